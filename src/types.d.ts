// SQL migrations are imported as text so they ship inside the executable.
declare module "*.sql" {
  const text: string;
  export default text;
}

// The console's stylesheet and script, imported as text (`with { type: "text" }`).
declare module "*.css" {
  const text: string;
  export default text;
}
