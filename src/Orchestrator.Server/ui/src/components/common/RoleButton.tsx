import type { ButtonHTMLAttributes } from "react";
import { useCan, type Role } from "../../queries/useServer";

/** A button the caller's key may not use is disabled, with a tooltip naming the role it needs. */
export function RoleButton({ needs, disabled, title, ...rest }: ButtonHTMLAttributes<HTMLButtonElement> & { needs: Role }) {
  const can = useCan(needs);
  return <button type="button" {...rest} disabled={disabled || !can.allowed} title={can.reason ?? title} />;
}
