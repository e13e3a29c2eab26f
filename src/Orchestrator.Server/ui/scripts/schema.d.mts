export function generateSchema(doc: unknown): Promise<string>;
