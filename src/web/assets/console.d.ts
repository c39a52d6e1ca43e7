// console.js is browser code served as a file; the server imports it as text
// (`with { type: "text" }`), so to TypeScript it is a string.
declare const text: string;
export default text;
