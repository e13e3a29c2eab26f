import { Link } from "react-router";

export default function NotFoundPage() {
  return (
    <main className="page">
      <h1>Not found</h1>
      <p>
        Nothing lives at this address. <Link to="/">Back to the workflows</Link>.
      </p>
    </main>
  );
}
