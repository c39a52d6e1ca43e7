// SQL migrations are imported as text so they ship inside the executable.
declare module "*.sql" {
  const text: string;
  export default text;
}
