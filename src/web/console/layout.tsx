/** @jsxImportSource hono/jsx */
/** The console's page layout: the shared shell with the console's navigation. */
import type { Child } from "hono/jsx";
import { PageShell, type NavLink } from "../layout.tsx";
import type { Flash } from "../session.ts";

export type NavItem = "dashboard" | "webhooks" | "deliveries" | null;

export interface LayoutProps {
  title: string;
  nav: NavItem;
  /** The session's CSRF token; null on the login page (no session, no logout form). */
  csrf: string | null;
  flash?: Flash | null;
  children: Child;
}

const LINKS: NavLink[] = [
  ["dashboard", "/", "Dashboard"],
  ["webhooks", "/webhooks", "Webhooks"],
  ["deliveries", "/deliveries", "Delivery log"],
];

export function Layout(props: LayoutProps) {
  return (
    <PageShell title={props.title} home="/" links={LINKS} current={props.nav} logout="/logout" csrf={props.csrf} flash={props.flash ?? null}>
      {props.children}
    </PageShell>
  );
}
