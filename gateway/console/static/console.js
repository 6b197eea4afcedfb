/* The admin console of cognito-gateway: a Preact + htm app over the public GraphQL graph, nothing else.
 *
 * Every request is a persisted document (gateway/console/documents/<Name>.graphql) sent by its ID, which the page's
 * #console-config names; the query text never leaves the browser. No build step: Preact, its hooks and htm are
 * the pinned files the page loads before this one (globals `preact`, `preactHooks`, `htm`). The page's CSP allows
 * no inline script or style, so styles are classes from console.css (and CSSOM properties where one must vary).
 *
 * Sections: configuration and credentials, the GraphQL client (HTTP and graphql-transport-ws), sign-in, the URL
 * (the view lives there), roles, formatting, shared components, the views (users, user, groups, app clients, jobs),
 * the application shell.
 */
(() => {
  "use strict";

  const { h, render } = preact;
  const { useState, useEffect, useLayoutEffect, useRef, useCallback } = preactHooks;
  const html = htm.bind(h);

  // -- configuration and credentials ------------------------------------------------------------------------------

  const CONFIG = JSON.parse(document.getElementById("console-config").textContent);
  const GRAPHQL_PATH = CONFIG.graphqlPath || "/graphql";
  const CREDENTIAL_KEY = "cognito-gateway-console:credential";
  const SIGN_IN_KEY = "cognito-gateway-console:sign-in";

  /** The caller's token or key, kept for this tab only (sessionStorage). */
  const Credential = {
    get: () => sessionStorage.getItem(CREDENTIAL_KEY) || "",
    set: (value) => sessionStorage.setItem(CREDENTIAL_KEY, value.trim()),
    clear: () => sessionStorage.removeItem(CREDENTIAL_KEY),
    /** The header that carries it in this auth mode, or none. */
    headers() {
      const value = this.get();
      if (!value) return {};
      if (CONFIG.authMode === "jwt") return { Authorization: `Bearer ${value}` };
      if (CONFIG.authMode === "api-key") return { "X-API-Key": value };
      return {};
    },
  };

  // -- the GraphQL client -----------------------------------------------------------------------------------------

  const ACCEPT = "application/graphql-response+json, application/json";

  /** An error entry the console shows: `code: message`. */
  const failure = (code, message) => ({ message, extensions: { code } });

  /** Sends the persisted document `name` with `variables`: `{data, errors, status}`, never throws (but on abort). */
  async function gql(name, variables = {}, signal) {
    const documentId = CONFIG.documents && CONFIG.documents[name];
    if (!documentId) return { data: null, errors: [failure("CONSOLE", `no persisted document named ${name}`)] };
    let response;
    try {
      response = await fetch(GRAPHQL_PATH, {
        method: "POST",
        headers: { "Content-Type": "application/json", Accept: ACCEPT, ...Credential.headers() },
        body: JSON.stringify({ documentId, operationName: name, variables }),
        signal,
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      return { data: null, errors: [failure("NETWORK", `the gateway did not answer (${error.message})`)] };
    }
    let body = null;
    try {
      body = await response.json();
    } catch (_) {
      body = null;
    }
    if (!body || typeof body !== "object") {
      body = { errors: [failure(`HTTP_${response.status}`, response.statusText || "not a GraphQL response")] };
    }
    const errors = Array.isArray(body.errors) ? body.errors : [];
    if (response.status === 401) Session.unauthenticated(errors);
    return { data: body.data || null, errors, status: response.status };
  }

  /** One graphql-transport-ws connection shared by every subscription; it reconnects and resubscribes. */
  const Subscriptions = (() => {
    let socket = null;
    let ready = false;
    let nextId = 1;
    let retries = 0;
    const active = new Map(); // id -> {name, variables, sink}

    function send(message) {
      if (socket && ready) socket.send(JSON.stringify(message));
    }
    function subscribeMessage(id, { name, variables }) {
      const documentId = CONFIG.documents[name];
      return { id, type: "subscribe", payload: { documentId, operationName: name, variables } };
    }
    /** Ends the connection once no subscription is left on it. */
    function closeIfIdle() {
      if (active.size || !socket) return;
      socket.close(1000, "done");
      socket = null;
    }
    function open() {
      const url = new URL(GRAPHQL_PATH, location.href);
      url.protocol = location.protocol === "https:" ? "wss:" : "ws:";
      const current = new WebSocket(url, "graphql-transport-ws");
      socket = current;
      ready = false;
      current.onopen = () =>
        current.send(JSON.stringify({ type: "connection_init", payload: Credential.headers() }));
      current.onmessage = (event) => {
        if (socket !== current) return; // a connection this client has already left
        const message = JSON.parse(event.data);
        if (message.type === "connection_ack") {
          ready = true;
          retries = 0;
          for (const [id, entry] of active) send(subscribeMessage(id, entry));
        } else if (message.type === "ping") {
          socket.send(JSON.stringify({ type: "pong" }));
        } else if (message.id && active.has(message.id)) {
          const { sink } = active.get(message.id);
          if (message.type === "next") {
            const { data, errors } = message.payload || {};
            if (errors && errors.length) sink.error(errors);
            else sink.next(data);
          } else if (message.type === "error") {
            active.delete(message.id);
            sink.error(Array.isArray(message.payload) ? message.payload : [message.payload]);
            closeIfIdle();
          } else if (message.type === "complete") {
            active.delete(message.id);
            sink.complete();
            closeIfIdle();
          }
        }
      };
      current.onclose = (event) => {
        if (socket !== current) return;
        socket = null;
        ready = false;
        if (!active.size) return;
        if (event.code === 4403 || event.code === 4401) {
          for (const [id, { sink }] of active) {
            active.delete(id);
            sink.error([failure("FORBIDDEN", `the gateway refused the subscription (${event.code} ${event.reason})`)]);
          }
          return;
        }
        // 1012 (a gateway shutting down) or a lost connection: subscribe again, after a pause that grows.
        retries += 1;
        if (retries > 6) {
          for (const [id, { sink }] of active) {
            active.delete(id);
            sink.error([failure("NETWORK", "the live progress connection was lost")]);
          }
          return;
        }
        setTimeout(() => active.size && !socket && open(), Math.min(500 * 2 ** retries, 8000));
      };
    }
    return {
      /** Subscribes to the persisted subscription `name`; returns the function that ends it. */
      subscribe(name, variables, sink) {
        const id = String(nextId++);
        const entry = { name, variables, sink };
        active.set(id, entry);
        if (!socket) open();
        else send(subscribeMessage(id, entry));
        return () => {
          if (!active.delete(id)) return;
          send({ id, type: "complete" });
          closeIfIdle();
        };
      },
      /** Credentials changed: the next subscription opens a fresh connection. */
      reset() {
        if (socket) socket.close(1000, "credentials changed");
        socket = null;
      },
    };
  })();

  // -- session: who the caller is, and what happens on 401 ---------------------------------------------------------

  const Session = {
    refused: null, // the last 401's errors, until new credentials (a request may be refused before the app listens)
    listeners: new Set(),
    unauthenticated(errors) {
      this.refused = errors;
      for (const listener of this.listeners) listener(errors);
    },
  };

  // -- sign-in (jwt mode): authorization code with PKCE against CONFIG.login ----------------------------------------

  const base64url = (bytes) =>
    btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const randomString = (size) => base64url(crypto.getRandomValues(new Uint8Array(size)));
  const redirectUri = (login) => new URL(login.redirectPath || "/console", location.origin).href;

  /** Sends the browser to the hosted login with a fresh verifier, state and S256 challenge. */
  async function beginSignIn(login) {
    const verifier = randomString(48);
    const state = randomString(16);
    const digest = await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier));
    sessionStorage.setItem(SIGN_IN_KEY, JSON.stringify({ verifier, state, back: location.search }));
    const url = new URL(login.authorizeUrl, location.href);
    url.search = new URLSearchParams({
      response_type: "code",
      client_id: login.clientId,
      redirect_uri: redirectUri(login),
      scope: login.scopes || "openid",
      state,
      code_challenge: base64url(new Uint8Array(digest)),
      code_challenge_method: "S256",
    }).toString();
    location.assign(url.href);
  }

  /** The one place a code becomes a token. The CSP's connect-src 'self' lets this reach the token endpoint only when
   * it is on the gateway's origin (config.login.tokenUrl: the gateway's own path, or a proxy of the hosted login's). */
  async function exchangeCode(login, code, verifier) {
    const response = await fetch(login.tokenUrl, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded", Accept: "application/json" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        client_id: login.clientId,
        code,
        redirect_uri: redirectUri(login),
        code_verifier: verifier,
      }),
    });
    const body = await response.json().catch(() => ({}));
    if (!response.ok || !body.access_token) {
      throw new Error(`${body.error || `HTTP ${response.status}`}: ${body.error_description || "no access token"}`);
    }
    return body.access_token;
  }

  /** On the way back from the hosted login (?code=...&state=...): the token, then the URL the user left from.
   * Returns an error message, or null when there was nothing to complete or it worked. */
  async function completeSignIn() {
    const params = new URLSearchParams(location.search);
    if (!(params.has("code") || params.has("error")) || !params.has("state")) return null;
    const pending = JSON.parse(sessionStorage.getItem(SIGN_IN_KEY) || "null");
    sessionStorage.removeItem(SIGN_IN_KEY);
    const back = (pending && pending.back) || "";
    history.replaceState(null, "", location.pathname + back);
    if (params.has("error")) return `${params.get("error")}: ${params.get("error_description") || "sign-in failed"}`;
    if (!pending || pending.state !== params.get("state")) return "sign-in: the answer does not match this tab's request";
    if (!CONFIG.login) return "sign-in is not configured";
    try {
      Credential.set(await exchangeCode(CONFIG.login, params.get("code"), pending.verifier));
      return null;
    } catch (error) {
      return `sign-in: ${error.message}`;
    }
  }

  // -- the URL: every view is a link ------------------------------------------------------------------------------

  const VIEWS = ["users", "user", "groups", "clients", "jobs"];
  const PAGE_SIZES = [25, 50, 100, 200];
  const LIST_OPERATORS = ["IN", "NOT_IN"];
  const VALUELESS_OPERATORS = ["EXISTS", "NOT_EXISTS"];
  const OPERATORS = [
    "EQUALS", "NOT_EQUALS", "IN", "NOT_IN", "STARTS_WITH", "ENDS_WITH", "CONTAINS",
    "EXISTS", "NOT_EXISTS", "GREATER_THAN", "LESS_THAN",
  ];

  /** A condition in the URL: `c=<field> <OPERATOR> <value>`, the values of IN/NOT_IN as a JSON list. */
  function parseCondition(text) {
    const [field, operator] = text.split(" ", 2);
    if (!field || !OPERATORS.includes(operator)) return null;
    const rest = text.slice(field.length + operator.length + 2);
    if (VALUELESS_OPERATORS.includes(operator)) return { field, operator };
    if (LIST_OPERATORS.includes(operator)) {
      let values;
      try {
        values = JSON.parse(rest);
      } catch (_) {
        values = rest.split(",").map((value) => value.trim()).filter(Boolean);
      }
      return Array.isArray(values) ? { field, operator, values: values.map(String) } : null;
    }
    return { field, operator, value: rest };
  }
  function formatCondition({ field, operator, value, values }) {
    if (VALUELESS_OPERATORS.includes(operator)) return `${field} ${operator}`;
    if (LIST_OPERATORS.includes(operator)) return `${field} ${operator} ${JSON.stringify(values || [])}`;
    return `${field} ${operator} ${value ?? ""}`;
  }
  const sameCondition = (a, b) => formatCondition(a) === formatCondition(b);

  /** `sort=-userCreateDate,username`: fields, DESC with a leading minus. */
  const parseSort = (text) =>
    (text || "").split(",").filter(Boolean).map((key) =>
      key.startsWith("-") ? { field: key.slice(1), direction: "DESC" } : { field: key, direction: "ASC" });
  const formatSort = (sort) => sort.map(({ field, direction }) => (direction === "DESC" ? "-" : "") + field).join(",");

  function parseRoute(search) {
    const params = new URLSearchParams(search);
    const user = params.get("user") || "";
    let view = params.get("view") || (user ? "user" : "users");
    if (!VIEWS.includes(view)) view = "users";
    const first = Number(params.get("n"));
    return {
      pool: params.get("pool") || "",
      view,
      q: params.get("q") || "",
      where: params.getAll("c").map(parseCondition).filter(Boolean),
      sort: parseSort(params.get("sort")),
      after: params.get("after") || "",
      first: PAGE_SIZES.includes(first) ? first : 50,
      user,
    };
  }

  /** The URL's query string of a route, in a stable order, defaults left out. */
  function routeSearch(route) {
    const params = new URLSearchParams();
    if (route.pool) params.set("pool", route.pool);
    if (route.view && route.view !== "users") params.set("view", route.view);
    if (route.view === "user" && route.user) params.set("user", route.user);
    if (route.view === "users") {
      if (route.q) params.set("q", route.q);
      for (const condition of route.where || []) params.append("c", formatCondition(condition));
      if (route.sort && route.sort.length) params.set("sort", formatSort(route.sort));
      if (route.first && route.first !== 50) params.set("n", String(route.first));
      if (route.after) params.set("after", route.after);
    }
    const text = params.toString();
    return text ? `?${text}` : "";
  }
  const hrefOf = (route) => location.pathname + routeSearch(route);

  /** Goes to `route` (a new history entry unless `replace`); the app re-renders from the URL. */
  function navigate(route, { replace = false } = {}) {
    const href = hrefOf(route);
    if (href !== location.pathname + location.search) {
      history[replace ? "replaceState" : "pushState"](null, "", href);
    }
    prefetchView(parseRoute(location.search)); // the view's request leaves now, not a frame later from its effect
    dispatchEvent(new Event("console:navigate"));
  }

  /** The users route a user page goes back to: the last search seen, in this tab. */
  let lastUsersRoute = null;

  // -- roles ------------------------------------------------------------------------------------------------------

  const RANKS = { viewer: 1, operator: 2, admin: 3 };

  /** The caller's highest role on `pool` from `me.grants` (a grant without pools holds on every pool). */
  function roleOn(me, pool) {
    if (!me) return 0;
    let rank = 0;
    for (const grant of me.grants || []) {
      if (!grant.pools || grant.pools.includes(pool)) rank = Math.max(rank, RANKS[grant.role] || 0);
    }
    if (!(me.grants || []).length) {
      for (const role of me.roles || []) rank = Math.max(rank, RANKS[role] || 0);
    }
    return rank;
  }

  // -- formatting -------------------------------------------------------------------------------------------------

  /** `code: message` for a typed error (a union member), an errors[] entry or a thrown one. */
  function describe(error) {
    if (!error) return "";
    if (typeof error === "string") return error;
    if (error.code && error.message) return `${error.code}: ${error.message}`;
    const code = (error.extensions && error.extensions.code) || error.__typename || "ERROR";
    const where = error.path ? ` (at ${error.path.join(".")})` : "";
    return `${code}: ${error.message}${where}`;
  }
  /** A union result that is an error (it has `code`), or null. */
  const typedError = (result) => (result && result.code && result.__typename !== undefined ? result : null);

  const pad = (n) => String(n).padStart(2, "0");
  function formatDate(iso) {
    if (!iso) return "";
    const date = new Date(iso);
    if (Number.isNaN(date.getTime())) return iso;
    return `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1)}-${pad(date.getUTCDate())} ` +
      `${pad(date.getUTCHours())}:${pad(date.getUTCMinutes())}`;
  }
  const count = (n, one, many = `${one}s`) => `${(n ?? 0).toLocaleString("en")} ${n === 1 ? one : many}`;
  const attributeOf = (user, name) => {
    const found = (user.attributes || []).find((attribute) => attribute.name === name);
    return found ? found.value : "";
  };
  const humanize = (value) => String(value ?? "").toLowerCase().replace(/_/g, " ");
  const FACET_LABELS = { userStatus: "Status", enabled: "Enabled", group: "Group" };
  const capitalized = (text) => text.charAt(0).toUpperCase() + text.slice(1);
  const facetLabel = (field) => FACET_LABELS[field] || capitalized(field.replace(/^custom:/, "").replace(/_/g, " "));
  const facetValueLabel = (field, value) =>
    field === "enabled" ? (value === "true" ? "enabled" : "disabled") : field === "userStatus" ? humanize(value) : value;

  // -- hooks ------------------------------------------------------------------------------------------------------

  /** Runs a persisted query when its variables change; keeps the last answer while the next one loads. */
  function useQuery(name, variables, { skip = false } = {}) {
    const key = JSON.stringify(variables);
    const [state, setState] = useState({ loading: !skip, data: null, errors: [], key: null });
    const [tick, setTick] = useState(0);
    useEffect(() => {
      if (skip) return undefined;
      const controller = new AbortController();
      let current = true; // a prefetched answer cannot be aborted: one that comes after newer variables is dropped
      setState((previous) => ({ ...previous, loading: true }));
      (Prefetched.take(name, variables) || gql(name, variables, controller.signal)).then(
        (result) => current && setState({ loading: false, data: result.data, errors: result.errors, key }),
        () => {} // aborted: a newer request replaces it
      );
      return () => {
        current = false;
        controller.abort();
      };
    }, [name, key, skip, tick]);
    const reload = useCallback(() => setTick((n) => n + 1), []);
    const stale = !skip && state.key !== key; // rendered for other variables: the answer is on its way
    return { ...state, loading: state.loading || stale, reload, stale };
  }

  /** Requests sent before their view renders (on a link's click; at start, beside ConsoleStart rather than after it),
   * taken once, while fresh, by the useQuery that asks for the same document and variables. */
  const PREFETCH_SECONDS = 10;
  const Prefetched = {
    requests: new Map(),
    send(name, variables) {
      const now = performance.now();
      for (const [key, entry] of this.requests) {
        if (now - entry.at > PREFETCH_SECONDS * 1000) this.requests.delete(key);
      }
      this.requests.set(name + JSON.stringify(variables), { at: now, answer: gql(name, variables) });
    },
    take(name, variables) {
      const key = name + JSON.stringify(variables);
      const entry = this.requests.get(key);
      this.requests.delete(key);
      return entry && performance.now() - entry.at <= PREFETCH_SECONDS * 1000 ? entry.answer : null;
    },
  };

  /** The query each view renders from: `[document, variables]`. The users view's facets need the pool's custom
   * attributes (`customs`); where they are not known yet (a pool never opened here), it is not prefetched. */
  function viewQuery(route, customs) {
    switch (route.view) {
      case "users":
        return ["UsersPage", usersVariables(route, customs)];
      case "user":
        return ["UserPage", { pool: route.pool, username: route.user }];
      case "groups":
        return ["GroupsPage", { pool: route.pool }];
      case "clients":
        return ["ClientsPage", { pool: route.pool }];
      default:
        return ["JobsPage", { pool: route.pool, after: null }];
    }
  }
  function prefetchView(route) {
    if (!route.pool || (route.view === "user" && !route.user)) return;
    const customs = route.view === "users" ? rememberedCustomAttributes(route.pool) : [];
    if (customs) Prefetched.send(...viewQuery(route, customs));
  }

  /** `[ask, dialog]`: `await ask({title, body, confirm})` shows a modal <dialog> and resolves true or false. */
  function useConfirm() {
    const [pending, setPending] = useState(null);
    const ask = useCallback((options) => new Promise((resolve) => setPending({ ...options, resolve })), []);
    const close = (answer) => {
      pending.resolve(answer);
      setPending(null);
    };
    const dialog = pending && html`<${ConfirmDialog} ...${pending} onClose=${close} />`;
    return [ask, dialog];
  }

  // -- shared components ------------------------------------------------------------------------------------------

  /** A link that changes the view without reloading the page (and opens in a new tab as a link does). */
  function Link({ route, children, ...rest }) {
    const onClick = (event) => {
      if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
      event.preventDefault();
      navigate(route);
    };
    return html`<a href=${hrefOf(route)} onClick=${onClick} ...${rest}>${children}</a>`;
  }

  function ErrorList({ errors }) {
    if (!errors || !errors.length) return null;
    return html`<div class="errors" role="alert">
      ${errors.map((error) => html`<p class="error">${describe(error)}</p>`)}
    </div>`;
  }

  function ConfirmDialog({ title, body, confirm = "Confirm", danger = false, onClose }) {
    const ref = useRef(null);
    useEffect(() => {
      const dialog = ref.current;
      if (dialog && !dialog.open) dialog.showModal();
    }, []);
    const onCancel = (event) => {
      event.preventDefault();
      onClose(false);
    };
    return html`<dialog ref=${ref} class="dialog" aria-labelledby="dialog-title" aria-describedby="dialog-body"
        onCancel=${onCancel}>
      <h2 id="dialog-title">${title}</h2>
      <p id="dialog-body">${body}</p>
      <div class="dialog-actions">
        <button type="button" autofocus onClick=${() => onClose(false)}>Cancel</button>
        <button type="button" class=${danger ? "danger" : "primary"} onClick=${() => onClose(true)}>${confirm}</button>
      </div>
    </dialog>`;
  }

  /** A DateTime in UTC, to the minute (or the day: `day`), the whole instant in its title. */
  function Time({ value, day = false }) {
    if (!value) return html`<span class="muted">—</span>`;
    const text = formatDate(value);
    return html`<time datetime=${value} title=${value}>${day ? text.slice(0, 10) : text}</time>`;
  }

  function Badge({ kind = "", children }) {
    return html`<span class=${`badge ${kind}`}>${children}</span>`;
  }

  const StatusBadge = ({ user }) => html`
    <${Badge} kind=${user.enabled ? "ok" : "off"}>${user.enabled ? "enabled" : "disabled"}<//>
    <${Badge} kind=${user.userStatus === "CONFIRMED" ? "" : "warn"}>${humanize(user.userStatus)}<//>`;

  /** A native <progress> (a progressbar to assistive technology), with its figures in words beside it. */
  function ProgressBar({ value, label, id }) {
    const percent = Math.round((value || 0) * 100);
    return html`<div class="progress">
      <progress id=${id} max="100" value=${percent} aria-label=${label}>${percent}%</progress>
      <span class="progress-figure">${percent}%</span>
    </div>`;
  }

  function Loading({ what }) {
    return html`<p class="loading" role="status">Loading ${what}…</p>`;
  }

  // -- index state (a pool whose directory index is not READY) ----------------------------------------------------

  function IndexPanel({ status, error, pool, role, onStarted }) {
    const [busy, setBusy] = useState(false);
    const [errors, setErrors] = useState([]);
    const start = async () => {
      setBusy(true);
      const { data, errors: requestErrors } = await gql("IndexUserPool", { pool });
      setBusy(false);
      const result = data && data.indexUserPool;
      const typed = typedError(result);
      setErrors(typed ? [typed, ...requestErrors] : requestErrors);
      if (result && result.indexStatus) onStarted();
    };
    const state = status ? status.state : "NOT_INDEXED";
    return html`<section class="panel index-panel" aria-labelledby="index-title">
      <h2 id="index-title">This pool's directory index is ${humanize(state)}</h2>
      <p>Search, sorting, counts and facets come from the gateway's index of the pool, not from Cognito.
        ${state === "SYNCING" && " The first sync is running; this page refreshes itself."}</p>
      ${status && html`<${ProgressBar} value=${status.progress} label="Index sync" />
        <p class="muted">${count(status.usersIndexed, "user")} indexed${
          status.estimatedUsers != null ? ` of about ${status.estimatedUsers.toLocaleString("en")}` : ""}.
          ${status.error && html`<span class="error">${status.error}</span>`}</p>`}
      ${error && html`<p class="error">${describe(error)}</p>`}
      ${role >= RANKS.admin && state !== "SYNCING" && html`<button type="button" class="primary" disabled=${busy}
          onClick=${start}>${state === "FAILED" ? "Sync the index again" : "Index this pool"}</button>`}
      ${role < RANKS.admin && state !== "SYNCING" && html`<p class="muted">An admin can start the sync (indexUserPool).</p>`}
      <${ErrorList} errors=${errors} />
    </section>`;
  }

  // -- users: search, conditions, facets, table, paging, selection, bulk jobs -------------------------------------

  const BASE_FACETS = ["userStatus", "enabled", "group"];
  const BUILTIN_FIELDS = [
    "username", "email", "name", "given_name", "family_name", "phone_number", "preferred_username",
    "userStatus", "enabled", "group", "userCreateDate", "userLastModifiedDate",
  ];

  /** The pool's custom attributes of type String (columns and facets), remembered by pool in localStorage: with
   * them known, a users view opened from a link sends its search beside ConsoleStart, not after it. */
  const customsKey = (pool) => `cognito-gateway-console:custom-attributes:${pool}`;
  function customAttributes(context) {
    if (!context || !context.pool) return [];
    const names = (context.pool.schemaAttributes || [])
      .filter((attribute) => attribute.name && attribute.name.startsWith("custom:") && attribute.attributeDataType === "STRING")
      .map((attribute) => attribute.name)
      .slice(0, 3);
    try {
      const remembered = JSON.stringify(names);
      if (localStorage.getItem(customsKey(context.pool.id)) !== remembered) {
        localStorage.setItem(customsKey(context.pool.id), remembered);
      }
    } catch (_) {
      // storage full or refused: the next load asks in turn
    }
    return names;
  }
  function rememberedCustomAttributes(pool) {
    try {
      const names = JSON.parse(localStorage.getItem(customsKey(pool)) || "null");
      return Array.isArray(names) ? names : null;
    } catch (_) {
      return null;
    }
  }

  /** UsersPage's variables for a route: the search of the URL, and facets on status, enabled, group and `customs`. */
  function usersVariables(route, customs) {
    return {
      pool: route.pool,
      text: route.q || null,
      where: route.where.length ? route.where : null,
      sort: route.sort.length ? route.sort : null,
      first: route.first,
      after: route.after || null,
      facets: [...BASE_FACETS, ...customs],
    };
  }

  function usersColumns(customs) {
    return [
      { key: "username", label: "Username", sort: "username", cell: (user, pool) =>
        html`<${Link} route=${{ view: "user", pool, user: user.username }}>${user.username}<//>` },
      { key: "email", label: "Email", sort: "email", cell: (user) => attributeOf(user, "email") },
      { key: "name", label: "Name", sort: "name", cell: (user) => attributeOf(user, "name") },
      ...customs.map((name) => ({ key: name, label: facetLabel(name), sort: name,
        cell: (user) => attributeOf(user, name) })),
      { key: "status", label: "Status", sort: "userStatus", cell: (user) => humanize(user.userStatus) },
      { key: "enabled", label: "Enabled", sort: "enabled", cell: (user) =>
        user.enabled ? "yes" : html`<${Badge} kind="off">disabled<//>` },
      { key: "groups", label: "Groups", cell: (user) => (user.groups || []).map((group, index) =>
        html`${index ? ", " : ""}<span class="nowrap">${group.groupName}</span>`) },
      { key: "created", label: "Created", sort: "userCreateDate", cell: (user) => html`<${Time} value=${user.userCreateDate} day />` },
    ];
  }

  function UsersView({ route, context, role, announce }) {
    const customs = customAttributes(context);
    const query = useQuery(...viewQuery(route, customs), { skip: !context });
    const result = query.data && query.data.searchUsers;
    const connection = result && result.__typename === "UserSearchConnection" ? result : null;
    const notReady = result && result.__typename === "IndexNotReadyError" ? result : null;
    const searchKey = JSON.stringify([route.pool, route.q, route.where]);
    const [selection, setSelection] = useState(() => new Set());
    useEffect(() => setSelection(new Set()), [searchKey]);
    useEffect(() => {
      lastUsersRoute = route;
    });

    // Re-read while the first sync runs.
    const indexState = (connection && connection.indexStatus.state) || (notReady && notReady.indexStatus.state);
    useEffect(() => {
      if (indexState !== "SYNCING" || query.loading) return undefined;
      const timer = setTimeout(query.reload, 1500);
      return () => clearTimeout(timer);
    }, [indexState, query.loading]);

    // Marks the browser test reads, once the rows are in the DOM: the first render, and each one after an answer.
    useLayoutEffect(() => {
      if (!connection) return;
      if (!performance.getEntriesByName("console:users-rendered").length) performance.mark("console:users-rendered");
      performance.mark("console:users-data");
    }, [connection]);

    const go = (changes) => navigate({ ...route, after: "", ...changes });
    const toggleCondition = (condition) => {
      const present = route.where.some((existing) => sameCondition(existing, condition));
      go({ where: present ? route.where.filter((existing) => !sameCondition(existing, condition)) : [...route.where, condition] });
    };

    return html`<div class="users-layout">
      <aside class="sidebar" aria-label="Facets">
        <${Facets} facets=${connection ? connection.facets : []} where=${route.where} onToggle=${toggleCondition}
          loading=${query.loading && !connection} />
      </aside>
      <div class="users-main">
        <${SearchForm} route=${route} fields=${[...BUILTIN_FIELDS, ...customs]} onSearch=${go} />
        <${ErrorList} errors=${query.errors} />
        ${result && typedError(result) && !notReady && html`<${ErrorList} errors=${[result]} />`}
        ${notReady && html`<${IndexPanel} status=${notReady.indexStatus} error=${notReady} pool=${route.pool}
          role=${role} onStarted=${query.reload} />`}
        ${connection && connection.indexStatus.state !== "READY" && html`<${IndexPanel}
          status=${connection.indexStatus} pool=${route.pool} role=${role} onStarted=${query.reload} />`}
        ${!result && query.loading && html`<${Loading} what="users" />`}
        ${connection && html`
          <${ResultSummary} connection=${connection} route=${route} loading=${query.loading} />
          ${role >= RANKS.operator && html`<${BulkBar} route=${route} selection=${selection}
            total=${connection.totalCount} context=${context} announce=${announce}
            onClear=${() => setSelection(new Set())}
            onJobDone=${(job) => job.action !== "EXPORT" && !job.dryRun && query.reload()} />`}
          <${UsersTable} users=${connection.nodes} columns=${usersColumns(customs)} route=${route}
            selectable=${role >= RANKS.operator} selection=${selection} onSelection=${setSelection}
            onSort=${(sort) => go({ sort })} busy=${query.loading} />
          <${Pager} route=${route} pageInfo=${connection.pageInfo} count=${connection.nodes.length}
            total=${connection.totalCount} />`}
      </div>
    </div>`;
  }

  /** The search box and the conditions; submitting puts them in the URL. */
  function SearchForm({ route, fields, onSearch }) {
    const [text, setText] = useState(route.q);
    const [rows, setRows] = useState(() => route.where.map(conditionRow));
    const routeKey = JSON.stringify([route.q, route.where]);
    useEffect(() => {
      setText(route.q);
      setRows(route.where.map(conditionRow));
    }, [routeKey]);
    const submit = (event) => {
      event.preventDefault();
      const where = rows.map(rowCondition).filter(Boolean);
      onSearch({ q: text.trim(), where });
    };
    const update = (index, changes) => setRows(rows.map((row, at) => (at === index ? { ...row, ...changes } : row)));
    return html`<form class="search" role="search" onSubmit=${submit} aria-label="Search users">
      <div class="search-line">
        <label for="search-text">Search users</label>
        <input id="search-text" type="search" value=${text} placeholder="name, email, phone, username…"
          onInput=${(event) => setText(event.currentTarget.value)} />
        <button type="submit" class="primary">Search</button>
        <button type="button" onClick=${() => setRows([...rows, { field: "", operator: "EQUALS", value: "" }])}>
          Add condition</button>
        ${(route.q || route.where.length > 0) && html`<button type="button"
          onClick=${() => onSearch({ q: "", where: [] })}>Clear</button>`}
      </div>
      ${rows.length > 0 && html`<fieldset class="conditions">
        <legend>Conditions (all must hold)</legend>
        <datalist id="condition-fields">${fields.map((field) => html`<option value=${field} />`)}</datalist>
        ${rows.map((row, index) => html`<div class="condition" key=${index}>
          <label for=${`condition-field-${index}`} class="visually-hidden">Field of condition ${index + 1}</label>
          <input id=${`condition-field-${index}`} list="condition-fields" value=${row.field} placeholder="field"
            onInput=${(event) => update(index, { field: event.currentTarget.value })} />
          <label for=${`condition-operator-${index}`} class="visually-hidden">Operator of condition ${index + 1}</label>
          <select id=${`condition-operator-${index}`} value=${row.operator}
            onChange=${(event) => update(index, { operator: event.currentTarget.value })}>
            ${OPERATORS.map((operator) => html`<option value=${operator}>${humanize(operator)}</option>`)}
          </select>
          ${!VALUELESS_OPERATORS.includes(row.operator) && html`
            <label for=${`condition-value-${index}`} class="visually-hidden">Value of condition ${index + 1}</label>
            <input id=${`condition-value-${index}`} value=${row.value}
              placeholder=${LIST_OPERATORS.includes(row.operator) ? "values, comma-separated" : "value"}
              onInput=${(event) => update(index, { value: event.currentTarget.value })} />`}
          <button type="button" aria-label=${`Remove condition ${index + 1}`}
            onClick=${() => setRows(rows.filter((_, at) => at !== index))}>Remove</button>
        </div>`)}
      </fieldset>`}
    </form>`;
  }
  function conditionRow({ field, operator, value, values }) {
    return { field, operator, value: LIST_OPERATORS.includes(operator) ? (values || []).join(", ") : value || "" };
  }
  function rowCondition({ field, operator, value }) {
    field = field.trim();
    if (!field) return null;
    if (VALUELESS_OPERATORS.includes(operator)) return { field, operator };
    if (LIST_OPERATORS.includes(operator)) {
      return { field, operator, values: value.split(",").map((item) => item.trim()).filter(Boolean) };
    }
    return { field, operator, value };
  }

  function Facets({ facets, where, onToggle, loading }) {
    if (loading) return html`<p class="muted">Counting…</p>`;
    return html`${facets.map((facet) => html`<section class="facet" aria-labelledby=${`facet-${facet.field}`}>
      <h2 id=${`facet-${facet.field}`}>${facetLabel(facet.field)}</h2>
      ${facet.values.length === 0 && html`<p class="muted">none</p>`}
      <ul>
        ${facet.values.map(({ value, count: n }) => {
          const condition = { field: facet.field, operator: "EQUALS", value };
          const active = where.some((existing) => sameCondition(existing, condition));
          return html`<li><button type="button" class="facet-value" aria-pressed=${active ? "true" : "false"}
              onClick=${() => onToggle(condition)}>
            <span class="facet-name" title=${facetValueLabel(facet.field, value)}>${facetValueLabel(facet.field, value)}</span>
            <span class="facet-count">${n.toLocaleString("en")}</span>
          </button></li>`;
        })}
      </ul>
    </section>`)}`;
  }

  function ResultSummary({ connection, route, loading }) {
    const offset = route.after ? "" : "1–";
    const shown = connection.nodes.length;
    return html`<p class="summary" aria-live="polite">
      <strong>${count(connection.totalCount, "user")}</strong>
      ${shown > 0 && html` · showing ${route.after ? shown : `${offset}${shown}`}`}
      ${loading && html` <span class="muted">(updating…)</span>`}
    </p>`;
  }

  function UsersTable({ users, columns, route, selectable, selection, onSelection, onSort, busy }) {
    const allRef = useRef(null);
    const onPage = users.filter((user) => selection.has(user.username)).length;
    useEffect(() => {
      if (allRef.current) allRef.current.indeterminate = onPage > 0 && onPage < users.length;
    });
    const toggle = (username) => {
      const next = new Set(selection);
      if (next.has(username)) next.delete(username);
      else next.add(username);
      onSelection(next);
    };
    const toggleAll = () => {
      const next = new Set(selection);
      const all = onPage === users.length;
      for (const user of users) all ? next.delete(user.username) : next.add(user.username);
      onSelection(next);
    };
    const sortKey = route.sort[0];
    const headerSort = (column) => {
      const current = sortKey && sortKey.field === column.sort ? sortKey.direction : null;
      onSort([{ field: column.sort, direction: current === "ASC" ? "DESC" : "ASC" }]);
    };
    if (!users.length) return html`<p class="empty">No user matches.</p>`;
    return html`<div class="table-wrap">
      <table class="users" aria-busy=${busy ? "true" : "false"}>
        <caption class="visually-hidden">Users; column headers sort</caption>
        <thead><tr>
          ${selectable && html`<th scope="col" class="select">
            <input type="checkbox" ref=${allRef} aria-label="Select every user on this page"
              checked=${onPage > 0 && onPage === users.length} onChange=${toggleAll} /></th>`}
          ${columns.map((column) => {
            const direction = sortKey && sortKey.field === column.sort ? sortKey.direction : null;
            const ariaSort = direction === "ASC" ? "ascending" : direction === "DESC" ? "descending" : "none";
            return html`<th scope="col" aria-sort=${column.sort ? ariaSort : undefined} class=${`col-${column.key}`}>
              ${column.sort
                ? html`<button type="button" class="sort" data-sort=${column.sort} onClick=${() => headerSort(column)}>
                    ${column.label}<span class="sort-mark" aria-hidden="true">${
                      direction === "ASC" ? " ▲" : direction === "DESC" ? " ▼" : ""}</span></button>`
                : column.label}
            </th>`;
          })}
        </tr></thead>
        <tbody>
          ${users.map((user) => html`<tr key=${user.username} class=${selection.has(user.username) ? "selected" : ""}>
            ${selectable && html`<td class="select"><input type="checkbox" aria-label=${`Select ${user.username}`}
              checked=${selection.has(user.username)} onChange=${() => toggle(user.username)} /></td>`}
            ${columns.map((column) => html`<td class=${`col-${column.key}`}>${column.cell(user, route.pool)}</td>`)}
          </tr>`)}
        </tbody>
      </table>
    </div>`;
  }

  /** Forward cursors; the way back is remembered for the pages this tab went forward through. */
  const previousCursor = new Map(); // after -> the after of the page before it
  function Pager({ route, pageInfo, count: shown, total }) {
    const back = route.after ? previousCursor.get(route.after) : undefined;
    const next = () => {
      previousCursor.set(pageInfo.endCursor, route.after);
      navigate({ ...route, after: pageInfo.endCursor });
    };
    return html`<nav class="pager" aria-label="Pages">
      <button type="button" disabled=${!route.after} onClick=${() => navigate({ ...route, after: "" })}>First page</button>
      <button type="button" disabled=${!route.after || back === undefined}
        onClick=${() => navigate({ ...route, after: back || "" })}>Previous</button>
      <button type="button" disabled=${!pageInfo.hasNextPage} onClick=${next}>Next</button>
      <label for="page-size">Per page</label>
      <select id="page-size" value=${route.first}
        onChange=${(event) => navigate({ ...route, after: "", first: Number(event.currentTarget.value) })}>
        ${PAGE_SIZES.map((size) => html`<option value=${size}>${size}</option>`)}
      </select>
      <span class="muted">${shown} on this page of ${total.toLocaleString("en")}</span>
    </nav>`;
  }

  // -- bulk jobs --------------------------------------------------------------------------------------------------

  const JOB_ACTIONS = [
    ["DISABLE", "Disable"], ["ENABLE", "Enable"], ["ADD_TO_GROUP", "Add to group"],
    ["REMOVE_FROM_GROUP", "Remove from group"], ["GLOBAL_SIGN_OUT", "Sign out everywhere"],
    ["RESET_PASSWORD", "Reset password"], ["UPDATE_ATTRIBUTES", "Set an attribute"], ["DELETE", "Delete"],
    ["EXPORT", "Export"],
  ];
  const DESTRUCTIVE = ["DELETE", "RESET_PASSWORD"];
  const actionLabel = (action) => (JOB_ACTIONS.find(([value]) => value === action) || [action, humanize(action)])[1];

  function BulkBar({ route, selection, total, context, announce, onClear, onJobDone }) {
    const [scope, setScope] = useState("search");
    const [action, setAction] = useState("DISABLE");
    const [group, setGroup] = useState("");
    const [format, setFormat] = useState("CSV");
    const [attribute, setAttribute] = useState({ name: "", value: "" });
    const [dryRun, setDryRun] = useState(false);
    const [busy, setBusy] = useState(false);
    const [errors, setErrors] = useState([]);
    const [jobs, setJobs] = useState([]);
    const [ask, dialog] = useConfirm();
    const groups = (context && context.groups) || [];
    // Selecting rows means "these"; none selected, the search.
    useEffect(() => setScope(selection.size ? "selected" : "search"), [selection.size]);
    const size = scope === "selected" ? selection.size : total;
    const needsGroup = action === "ADD_TO_GROUP" || action === "REMOVE_FROM_GROUP";

    const start = async (event) => {
      event.preventDefault();
      if (needsGroup && !group) return setErrors([failure("CONSOLE", "pick a group")]);
      if (action === "UPDATE_ATTRIBUTES" && !attribute.name.trim()) return setErrors([failure("CONSOLE", "name the attribute")]);
      if (DESTRUCTIVE.includes(action) && !dryRun) {
        const sure = await ask({
          title: `${actionLabel(action)}: ${count(size, "user")}?`,
          body: action === "DELETE" ? "Deleted users cannot be brought back." : "Each user must choose a new password at the next sign-in.",
          confirm: `${actionLabel(action)} ${count(size, "user")}`,
          danger: true,
        });
        if (!sure) return undefined;
      }
      const selectionInput = scope === "selected"
        ? { usernames: [...selection] }
        : { text: route.q || null, where: route.where.length ? route.where : null };
      const input = { userPoolId: route.pool, action, selection: selectionInput, dryRun };
      if (needsGroup) input.groupName = group;
      if (action === "EXPORT") input.format = format;
      if (action === "UPDATE_ATTRIBUTES") input.userAttributes = [{ name: attribute.name.trim(), value: attribute.value }];
      setBusy(true);
      const { data, errors: requestErrors } = await gql("StartUserJob", { input });
      setBusy(false);
      const result = data && data.startUserJob;
      const typed = typedError(result);
      setErrors(typed ? [typed, ...requestErrors] : requestErrors);
      if (result && result.job) {
        setJobs([result.job, ...jobs]);
        announce(`Job started: ${actionLabel(action)} over ${count(size, "user")}.`);
        if (scope === "selected") onClear();
      }
      return undefined;
    };

    return html`<section class="bulk panel" aria-labelledby="bulk-title">
      <h2 id="bulk-title" class="visually-hidden">Bulk job</h2>
      <form class="bulk-form" onSubmit=${start}>
        <fieldset class="bulk-scope">
          <legend>Apply to</legend>
          <label><input type="radio" name="scope" value="selected" checked=${scope === "selected"}
            disabled=${!selection.size} onChange=${() => setScope("selected")} /> ${count(selection.size, "selected user")}</label>
          <label><input type="radio" name="scope" value="search" checked=${scope === "search"}
            onChange=${() => setScope("search")} /> every match (${total.toLocaleString("en")})</label>
        </fieldset>
        <label for="bulk-action">Action</label>
        <select id="bulk-action" value=${action} onChange=${(event) => setAction(event.currentTarget.value)}>
          ${JOB_ACTIONS.map(([value, label]) => html`<option value=${value}>${label}</option>`)}
        </select>
        ${needsGroup && html`<label for="bulk-group">Group</label>
          <select id="bulk-group" value=${group} onChange=${(event) => setGroup(event.currentTarget.value)}>
            <option value="">choose…</option>
            ${groups.map((name) => html`<option value=${name}>${name}</option>`)}
          </select>`}
        ${action === "EXPORT" && html`<label for="bulk-format">Format</label>
          <select id="bulk-format" value=${format} onChange=${(event) => setFormat(event.currentTarget.value)}>
            <option value="CSV">CSV (Cognito import columns)</option>
            <option value="JSONL">JSON Lines</option>
          </select>`}
        ${action === "UPDATE_ATTRIBUTES" && html`<label for="bulk-attribute">Attribute</label>
          <input id="bulk-attribute" value=${attribute.name} placeholder="custom:department"
            onInput=${(event) => setAttribute({ ...attribute, name: event.currentTarget.value })} />
          <label for="bulk-value">Value</label>
          <input id="bulk-value" value=${attribute.value}
            onInput=${(event) => setAttribute({ ...attribute, value: event.currentTarget.value })} />`}
        <label class="inline"><input type="checkbox" checked=${dryRun}
          onChange=${(event) => setDryRun(event.currentTarget.checked)} /> Dry run</label>
        <button type="submit" class=${DESTRUCTIVE.includes(action) ? "danger" : "primary"} disabled=${busy || size === 0}>
          Start job</button>
      </form>
      <${ErrorList} errors=${errors} />
      ${jobs.map((job) => html`<${JobCard} key=${job.id} job=${job} role=${RANKS.operator} announce=${announce} compact
        onFinal=${onJobDone} />`)}
      ${dialog}
    </section>`;
  }

  const FINAL_STATES = ["SUCCEEDED", "FAILED", "CANCELLED"];
  function took(from, to) {
    const seconds = (new Date(to) - new Date(from)) / 1000;
    return seconds < 60 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds / 60)} min`;
  }

  /** A job, live: it follows the jobProgress subscription until the job is final. */
  function JobCard({ job: initial, role, announce, compact = false, onFinal }) {
    const [job, setJob] = useState(initial);
    const [errors, setErrors] = useState([]);
    const [failures, setFailures] = useState(null);
    const [busy, setBusy] = useState(false);
    const live = !FINAL_STATES.includes(job.state);
    useEffect(() => setJob(initial), [initial.id, initial.state, initial.done]);
    useEffect(() => {
      if (!live) return undefined;
      return Subscriptions.subscribe("JobProgress", { id: job.id }, {
        next: (data) => data && data.jobProgress && setJob(data.jobProgress),
        error: (subscriptionErrors) => setErrors(subscriptionErrors),
        complete: () => {},
      });
    }, [job.id, live]);
    useEffect(() => {
      if (FINAL_STATES.includes(job.state) && !FINAL_STATES.includes(initial.state)) {
        announce(`Job ${actionLabel(job.action).toLowerCase()} ${humanize(job.state)}: ${job.done} done, ${job.failed} failed.`);
        if (onFinal) onFinal(job);
      }
    }, [job.state]);

    const cancel = async () => {
      setBusy(true);
      const { data, errors: requestErrors } = await gql("CancelJob", { id: job.id });
      setBusy(false);
      const result = data && data.cancelJob;
      const typed = typedError(result);
      setErrors(typed ? [typed, ...requestErrors] : requestErrors);
      if (result && result.job) setJob(result.job);
    };
    const showFailures = async () => {
      const { data, errors: requestErrors } = await gql("JobFailures", { id: job.id });
      const result = data && data.job;
      const typed = typedError(result);
      setErrors(typed ? [typed, ...requestErrors] : requestErrors);
      if (result && result.failedItems) setFailures([...result.failedItems.nodes, ...result.unknownItems.nodes]);
    };
    const download = async () => {
      setBusy(true);
      const error = await downloadExport(job);
      setBusy(false);
      setErrors(error ? [error] : []);
      if (!error) announce("Export downloaded.");
    };

    const figures = [
      job.total == null ? "listing the selection…" : `${job.done} of ${job.total} done`,
      job.failed && `${job.failed} failed`,
      job.unknown && `${job.unknown} unknown`,
      job.skipped && `${job.skipped} skipped`,
      live && job.etaSeconds != null && `about ${Math.ceil(job.etaSeconds)} s left`,
    ].filter(Boolean).join(" · ");
    return html`<article class=${`job ${compact ? "compact" : ""} state-${job.state.toLowerCase()}`} data-job=${job.id}
        aria-labelledby=${`job-${job.id}`}>
      <header class="job-head">
        <h3 id=${`job-${job.id}`}>${actionLabel(job.action)}${job.dryRun ? " (dry run)" : ""}</h3>
        <${Badge} kind=${job.state === "SUCCEEDED" ? "ok" : job.state === "FAILED" ? "off" : live ? "live" : ""}>
          ${humanize(job.state)}<//>
        <span class="muted">started <${Time} value=${job.createdAt} /> by ${job.createdBy}${
          job.finishedAt && job.startedAt ? `, took ${took(job.startedAt, job.finishedAt)}` : ""}</span>
      </header>
      <${ProgressBar} value=${job.progress} label=${`Progress of job ${job.id}`} id=${`progress-${job.id}`} />
      <p class="job-figures" aria-live="polite">${figures}</p>
      ${job.error && html`<p class="error">${job.error}</p>`}
      <div class="job-actions">
        ${live && role >= RANKS.operator && html`<button type="button" disabled=${busy} onClick=${cancel}>Cancel job</button>`}
        ${job.action === "EXPORT" && job.state === "SUCCEEDED" && job.downloadUrl && role >= RANKS.operator && html`<button type="button"
          class="primary download" disabled=${busy} onClick=${download}>Download export</button>`}
        ${!live && (job.failed > 0 || job.unknown > 0) && !failures && html`<button type="button"
          onClick=${showFailures}>Show failed users</button>`}
      </div>
      ${failures && html`<table class="failures">
        <caption>Users this job could not change</caption>
        <thead><tr><th scope="col">User</th><th scope="col">Outcome</th><th scope="col">Error</th></tr></thead>
        <tbody>${failures.map((item) => html`<tr>
          <td>${item.username}</td><td>${humanize(item.outcome)}</td>
          <td>${item.errorCode ? `${item.errorCode}: ${item.message || ""}` : item.message || ""}</td></tr>`)}</tbody>
      </table>`}
      <${ErrorList} errors=${errors} />
    </article>`;
  }

  /** GETs an export with the caller's credentials and saves it through a Blob URL; an error entry or null. */
  async function downloadExport(job) {
    let response;
    try {
      response = await fetch(job.downloadUrl, { headers: Credential.headers() });
    } catch (error) {
      return failure("NETWORK", `the download did not start (${error.message})`);
    }
    if (!response.ok) {
      const body = await response.json().catch(() => null);
      const error = body && body.errors && body.errors[0];
      return error || failure(`HTTP_${response.status}`, response.statusText || "the download failed");
    }
    const disposition = response.headers.get("Content-Disposition") || "";
    const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
    const extension = response.headers.get("Content-Type")?.includes("json") ? "jsonl" : "csv";
    const filename = named ? decodeURIComponent(named[1]) : `export-${job.id}.${extension}`;
    const url = URL.createObjectURL(await response.blob());
    const anchor = document.createElement("a");
    anchor.href = url;
    anchor.download = filename;
    anchor.hidden = true;
    document.body.appendChild(anchor);
    anchor.click();
    anchor.remove();
    setTimeout(() => URL.revokeObjectURL(url), 10000);
    return null;
  }

  function JobsView({ route, role, announce }) {
    const [after, setAfter] = useState(null);
    const [older, setOlder] = useState([]);
    const query = useQuery(...viewQuery(route));
    const result = query.data && query.data.jobs;
    const connection = result && result.__typename === "JobConnection" ? result : null;
    const more = useQuery("JobsPage", { pool: route.pool, after }, { skip: !after });
    const moreConnection = more.data && more.data.jobs && more.data.jobs.__typename === "JobConnection" ? more.data.jobs : null;
    useEffect(() => {
      if (moreConnection && !more.stale) setOlder((jobs) => [...jobs, ...moreConnection.nodes]);
    }, [moreConnection]);
    const last = moreConnection || connection;
    return html`<section aria-labelledby="view-title">
      <div class="view-head">
        <h1 id="view-title" tabindex="-1">Jobs</h1>
        <button type="button" onClick=${() => { setOlder([]); setAfter(null); query.reload(); }}>Refresh</button>
      </div>
      <p class="muted">Bulk jobs of this pool, newest first. Start one from the users view (select users, or a search).</p>
      <${ErrorList} errors=${[...query.errors, ...(typedError(result) ? [result] : [])]} />
      ${!result && query.loading && html`<${Loading} what="jobs" />`}
      ${connection && connection.nodes.length === 0 && html`<p class="empty">No job yet.</p>`}
      <div class="jobs">
        ${connection && [...connection.nodes, ...older].map((job) => html`<${JobCard} key=${job.id} job=${job}
          role=${role} announce=${announce} />`)}
      </div>
      ${last && last.pageInfo.hasNextPage && html`<button type="button" onClick=${() => setAfter(last.pageInfo.endCursor)}>
        Older jobs</button>`}
    </section>`;
  }

  // -- one user ---------------------------------------------------------------------------------------------------

  const USER_ACTIONS = {
    disable: { document: "DisableUser", field: "adminDisableUser", done: (u) => `${u} is disabled.` },
    enable: { document: "EnableUser", field: "adminEnableUser", done: (u) => `${u} is enabled.` },
    reset: { document: "ResetUserPassword", field: "adminResetUserPassword",
      done: (u) => `${u} must set a new password at the next sign-in.` },
    signOut: { document: "GlobalSignOut", field: "adminUserGlobalSignOut", done: (u) => `${u} is signed out everywhere.` },
    addGroup: { document: "AddUserToGroup", field: "adminAddUserToGroup", done: (u, v) => `${u} joined ${v.group}.` },
    removeGroup: { document: "RemoveUserFromGroup", field: "adminRemoveUserFromGroup",
      done: (u, v) => `${u} left ${v.group}.` },
    delete: { document: "DeleteUser", field: "adminDeleteUser", done: (u) => `${u} is deleted.` },
  };

  function UserView({ route, context, role, announce }) {
    const query = useQuery(...viewQuery(route));
    const user = !query.stale && query.data && query.data.user; // never another user's page under this name
    const [busy, setBusy] = useState(false);
    const [errors, setErrors] = useState([]);
    const [group, setGroup] = useState("");
    const [ask, dialog] = useConfirm();
    useEffect(() => setErrors([]), [route.user]);
    const back = lastUsersRoute && lastUsersRoute.pool === route.pool ? lastUsersRoute : { view: "users", pool: route.pool, q: "", where: [], sort: [] };

    /** Runs one of USER_ACTIONS; its typed error, or a refused field's, in words. */
    const run = async (name, extra = {}) => {
      const action = USER_ACTIONS[name];
      const variables = { pool: route.pool, username: route.user, ...extra };
      setBusy(true);
      const { data, errors: requestErrors } = await gql(action.document, variables);
      setBusy(false);
      const result = data && data[action.field];
      const typed = typedError(result);
      const all = typed ? [typed, ...requestErrors] : requestErrors;
      setErrors(all);
      if (result && !typed && !requestErrors.length) {
        announce(action.done(route.user, extra), { across: name === "delete" });
        if (name === "delete") navigate(back, { replace: true });
        else query.reload();
      }
    };
    const confirmThen = async (name, options) => {
      if (await ask(options)) run(name);
    };

    const typed = typedError(user);
    const canOperate = role >= RANKS.operator;
    const memberOf = user && !typed ? (user.groups || []).map((g) => g.groupName) : [];
    const joinable = ((context && context.groups) || []).filter((name) => !memberOf.includes(name));
    return html`<section aria-labelledby="view-title" class="user-view">
      <p class="breadcrumb"><${Link} route=${back}>← Users</${Link}></p>
      <div class="view-head">
        <h1 id="view-title" tabindex="-1">${route.user}</h1>
        ${user && !typed && html`<${StatusBadge} user=${user} />`}
      </div>
      ${!user && query.loading && html`<${Loading} what=${route.user} />`}
      <${ErrorList} errors=${typed ? [typed, ...query.errors] : query.errors} />
      ${user && !typed && html`
        ${canOperate && html`<div class="actions" role="group" aria-label="Actions on this user">
          ${user.enabled
            ? html`<button type="button" disabled=${busy} onClick=${() => run("disable")}>Disable</button>`
            : html`<button type="button" disabled=${busy} onClick=${() => run("enable")}>Enable</button>`}
          <button type="button" disabled=${busy} onClick=${() => confirmThen("reset", {
            title: `Reset ${route.user}'s password?`, confirm: "Reset password",
            body: "Their password stops working; they get a code to choose a new one." })}>Reset password</button>
          <button type="button" disabled=${busy} onClick=${() => confirmThen("signOut", {
            title: `Sign ${route.user} out everywhere?`, confirm: "Sign out",
            body: "Every refresh token of the user is revoked." })}>Sign out everywhere</button>
          <button type="button" class="danger" disabled=${busy} onClick=${() => confirmThen("delete", {
            title: `Delete ${route.user}?`, confirm: "Delete user", danger: true,
            body: "The user and their attributes are deleted from the pool. This cannot be undone." })}>Delete</button>
        </div>`}
        <${ErrorList} errors=${errors} />
        <div class="user-grid">
          <${AttributesCard} user=${user} />
          <div class="user-side">
            <section class="card" aria-labelledby="groups-title">
              <h2 id="groups-title">Groups</h2>
              ${memberOf.length === 0 && html`<p class="muted">In no group.</p>`}
              <ul class="chips">${(user.groups || []).map((g) => html`<li class="chip">
                <span>${g.groupName}</span>
                ${canOperate && html`<button type="button" class="chip-remove" disabled=${busy}
                  aria-label=${`Remove from ${g.groupName}`} onClick=${() => run("removeGroup", { group: g.groupName })}>×</button>`}
              </li>`)}</ul>
              ${canOperate && joinable.length > 0 && html`<form class="inline-form" onSubmit=${(event) => {
                  event.preventDefault();
                  if (group) run("addGroup", { group });
                }}>
                <label for="add-group">Add to group</label>
                <select id="add-group" value=${group} onChange=${(event) => setGroup(event.currentTarget.value)}>
                  <option value="">choose…</option>
                  ${joinable.map((name) => html`<option value=${name}>${name}</option>`)}
                </select>
                <button type="submit" disabled=${busy || !group}>Add</button>
              </form>`}
            </section>
            <${MfaCard} user=${user} />
          </div>
        </div>
        <${DevicesCard} devices=${user.devices} />
        <${AuthEventsCard} events=${user.authEvents} />`}
      ${dialog}
    </section>`;
  }

  function AttributesCard({ user }) {
    const attributes = [...(user.attributes || [])].sort((a, b) => a.name.localeCompare(b.name));
    return html`<section class="card" aria-labelledby="attributes-title">
      <h2 id="attributes-title">Attributes</h2>
      <dl class="attributes">
        <dt>Status</dt><dd>${humanize(user.userStatus)}</dd>
        <dt>Created</dt><dd><${Time} value=${user.userCreateDate} /></dd>
        <dt>Last modified</dt><dd><${Time} value=${user.userLastModifiedDate} /></dd>
        ${attributes.map((attribute) => html`<dt>${attribute.name}</dt><dd>${attribute.value}</dd>`)}
      </dl>
    </section>`;
  }

  function MfaCard({ user }) {
    const methods = user.userMfaSettingList || [];
    return html`<section class="card" aria-labelledby="mfa-title">
      <h2 id="mfa-title">MFA</h2>
      <dl class="attributes">
        <dt>Preferred</dt><dd>${user.preferredMfaSetting || html`<span class="muted">none</span>`}</dd>
        <dt>Activated</dt><dd>${methods.length ? methods.join(", ") : html`<span class="muted">none</span>`}</dd>
        ${(user.mfaOptions || []).map((option) => html`<dt>Option</dt>
          <dd>${option.deliveryMedium} to ${option.attributeName}</dd>`)}
      </dl>
    </section>`;
  }

  function DevicesCard({ devices }) {
    const nodes = (devices && devices.nodes) || [];
    return html`<section class="card" aria-labelledby="devices-title">
      <h2 id="devices-title">Devices</h2>
      ${nodes.length === 0 ? html`<p class="muted">No remembered device.</p>` : html`<table>
        <thead><tr><th scope="col">Device</th><th scope="col">Last IP</th><th scope="col">Created</th>
          <th scope="col">Last signed in</th></tr></thead>
        <tbody>${nodes.map((device) => {
          const attribute = (name) => ((device.deviceAttributes || []).find((a) => a.name === name) || {}).value || "";
          return html`<tr><td title=${device.deviceKey}>${attribute("device_name") || device.deviceKey}</td>
            <td>${attribute("last_ip_used")}</td><td><${Time} value=${device.deviceCreateDate} /></td>
            <td><${Time} value=${device.deviceLastAuthenticatedDate} /></td></tr>`;
        })}</tbody>
      </table>`}
    </section>`;
  }

  function AuthEventsCard({ events }) {
    const nodes = (events && events.nodes) || [];
    return html`<section class="card" aria-labelledby="events-title">
      <h2 id="events-title">Auth events</h2>
      ${nodes.length === 0 ? html`<p class="muted">No auth event recorded.</p>` : html`<table>
        <thead><tr><th scope="col">When</th><th scope="col">Event</th><th scope="col">Response</th>
          <th scope="col">Risk</th><th scope="col">Challenges</th><th scope="col">From</th></tr></thead>
        <tbody>${nodes.map((event) => {
          const risk = event.eventRisk || {};
          const context = event.eventContextData || {};
          return html`<tr><td><${Time} value=${event.creationDate} /></td><td>${humanize(event.eventType)}</td>
            <td>${humanize(event.eventResponse)}</td>
            <td>${[risk.riskLevel && humanize(risk.riskLevel), risk.riskDecision && humanize(risk.riskDecision),
              risk.compromisedCredentialsDetected && "compromised credentials"].filter(Boolean).join(", ")}</td>
            <td>${(event.challengeResponses || []).map((c) => `${humanize(c.challengeName)}: ${humanize(c.challengeResponse)}`).join(", ")}</td>
            <td>${[context.ipAddress, context.city, context.country].filter(Boolean).join(", ")}</td></tr>`;
        })}</tbody>
      </table>`}
    </section>`;
  }

  // -- groups and app clients -------------------------------------------------------------------------------------

  function GroupsView({ route }) {
    const query = useQuery(...viewQuery(route));
    const result = query.data && query.data.groups;
    const members = query.data && query.data.members;
    const counts = new Map();
    const facet = members && members.facets && members.facets[0];
    for (const { value, count: n } of (facet && facet.values) || []) counts.set(value, n);
    const errors = [...query.errors, ...(typedError(result) ? [result] : [])];
    const nodes = (result && result.nodes) || [];
    return html`<section aria-labelledby="view-title">
      <div class="view-head"><h1 id="view-title" tabindex="-1">Groups</h1></div>
      <${ErrorList} errors=${errors} />
      ${!result && query.loading && html`<${Loading} what="groups" />`}
      ${result && nodes.length === 0 && !typedError(result) && html`<p class="empty">This pool has no group.</p>`}
      ${nodes.length > 0 && html`<div class="table-wrap"><table class="groups">
        <thead><tr><th scope="col">Group</th><th scope="col">Description</th><th scope="col">Precedence</th>
          <th scope="col">Members</th><th scope="col">IAM role</th><th scope="col">Created</th></tr></thead>
        <tbody>${nodes.map((group) => html`<tr>
          <td><${Link} route=${{ view: "users", pool: route.pool, q: "", sort: [], where: [
            { field: "group", operator: "EQUALS", value: group.groupName }] }}>${group.groupName}<//></td>
          <td>${group.description}</td><td>${group.precedence ?? ""}</td>
          <td>${counts.has(group.groupName) ? counts.get(group.groupName).toLocaleString("en")
            : typedError(members) ? html`<span class="muted" title=${describe(members)}>?</span>` : "0"}</td>
          <td class="mono">${group.roleArn || ""}</td><td><${Time} value=${group.creationDate} /></td>
        </tr>`)}</tbody>
      </table></div>`}
      ${typedError(members) && html`<p class="muted">Member counts come from the directory index: ${describe(members)}</p>`}
    </section>`;
  }

  /** A token's validity in Cognito's terms: its units default to hours (access, ID) and days (refresh); unset, the
   * pool's default applies (1 hour, 1 hour, 30 days). */
  function validity(client, token, defaultUnit, defaultText) {
    const value = client[`${token}TokenValidity`];
    const unit = (client.tokenValidityUnits && client.tokenValidityUnits[`${token}Token`]) || defaultUnit;
    return value == null ? `${defaultText} (default)` : `${value} ${humanize(unit)}`;
  }

  function ClientsView({ route }) {
    const query = useQuery(...viewQuery(route));
    const result = query.data && query.data.userPoolClients;
    const nodes = (result && result.nodes) || [];
    const errors = [...query.errors, ...(typedError(result) ? [result] : [])];
    return html`<section aria-labelledby="view-title">
      <div class="view-head"><h1 id="view-title" tabindex="-1">App clients</h1></div>
      <p class="muted">Client secrets are never read or shown here.</p>
      <${ErrorList} errors=${errors} />
      ${!result && query.loading && html`<${Loading} what="app clients" />`}
      ${result && nodes.length === 0 && !typedError(result) && html`<p class="empty">This pool has no app client.</p>`}
      <div class="clients">
        ${nodes.map((client) => html`<article class="card client" aria-labelledby=${`client-${client.clientId}`}>
          <h2 id=${`client-${client.clientId}`}>${client.clientName}</h2>
          <dl class="attributes">
            <dt>Client ID</dt><dd class="mono">${client.clientId}</dd>
            <dt>Auth flows</dt><dd>${(client.explicitAuthFlows || []).map(humanize).join(", ") || "—"}</dd>
            <dt>OAuth flows</dt><dd>${(client.allowedOAuthFlows || []).join(", ") || "—"}</dd>
            <dt>Scopes</dt><dd>${(client.allowedOAuthScopes || []).join(" ") || "—"}</dd>
            <dt>Identity providers</dt><dd>${(client.supportedIdentityProviders || []).join(", ") || "—"}</dd>
            <dt>Callback URLs</dt><dd>${(client.callbackUrls || []).join(", ") || "—"}</dd>
            <dt>Access token</dt><dd>${validity(client, "access", "HOURS", "1 hour")}</dd>
            <dt>ID token</dt><dd>${validity(client, "id", "HOURS", "1 hour")}</dd>
            <dt>Refresh token</dt><dd>${validity(client, "refresh", "DAYS", "30 days")}</dd>
            <dt>Token revocation</dt><dd>${client.enableTokenRevocation ? "on" : "off"}</dd>
            <dt>User existence errors</dt><dd>${humanize(client.preventUserExistenceErrors) || "—"}</dd>
            <dt>Created</dt><dd><${Time} value=${client.creationDate} /></dd>
          </dl>
        </article>`)}
      </div>
    </section>`;
  }

  // -- authentication panel ---------------------------------------------------------------------------------------

  function AuthPanel({ onChange, refused, signInError }) {
    const [value, setValue] = useState("");
    const stored = Credential.get();
    const mode = CONFIG.authMode;
    if (mode === "none") return null;
    const save = (event) => {
      event.preventDefault();
      if (!value.trim()) return;
      Credential.set(value);
      setValue("");
      Subscriptions.reset();
      onChange();
    };
    const forget = () => {
      Credential.clear();
      Subscriptions.reset();
      onChange();
    };
    const what = mode === "jwt" ? "access token" : "API key";
    return html`<section class="panel auth" aria-labelledby="auth-title">
      <h2 id="auth-title">${mode === "jwt" ? "Sign in" : "API key"}</h2>
      ${signInError && html`<p class="error" role="alert">${signInError}</p>`}
      ${refused && refused.length > 0 && html`<p class="error" role="alert">${refused.map(describe).join(" ")}</p>`}
      ${mode === "jwt" && CONFIG.login && html`<p><button type="button" class="primary"
        onClick=${() => beginSignIn(CONFIG.login)}>Sign in</button>
        <span class="muted"> with the pool's hosted login (authorization code with PKCE)</span></p>`}
      <form class="inline-form" onSubmit=${save}>
        <label for="credential">${mode === "jwt" ? "Or paste an access token" : "Paste an API key"}</label>
        <input id="credential" type="password" autocomplete="off" value=${value}
          onInput=${(event) => setValue(event.currentTarget.value)} />
        <button type="submit">Use this ${what}</button>
        ${stored && html`<button type="button" onClick=${forget}>Forget the ${what}</button>`}
      </form>
      <p class="muted">Kept in this tab only (sessionStorage), sent as ${mode === "jwt" ? "Authorization: Bearer" : "X-API-Key"}.</p>
    </section>`;
  }

  // -- the application shell --------------------------------------------------------------------------------------

  const VIEW_TITLES = { users: "Users", user: "User", groups: "Groups", clients: "App clients", jobs: "Jobs" };
  const NAV = [["users", "Users"], ["groups", "Groups"], ["clients", "App clients"], ["jobs", "Jobs"]];

  /** The caller, the pools, and each pool's context (custom attributes, groups), read once per pool. */
  function useSession(route, generation) {
    const [state, setState] = useState({ loading: true, me: null, pools: null, errors: [], contexts: {} });
    useEffect(() => {
      let live = true;
      setState((previous) => ({ ...previous, loading: true }));
      const variables = startVariables(route);
      const withPool = variables.withPool;
      (Prefetched.take("ConsoleStart", variables) || gql("ConsoleStart", variables)).then(({ data, errors }) => {
        if (!live) return;
        const pools = data && data.userPools;
        const contexts = {};
        if (withPool && data) contexts[route.pool] = poolContext(data);
        setState({ loading: false, me: data && data.me, pools, errors, contexts });
      });
      return () => {
        live = false;
      };
    }, [generation]);
    // Another pool: its context, once.
    useEffect(() => {
      if (!route.pool || state.loading || !state.me || state.contexts[route.pool]) return;
      let live = true;
      gql("PoolContext", { pool: route.pool }).then(({ data, errors }) => {
        if (!live) return;
        setState((previous) => ({
          ...previous,
          contexts: { ...previous.contexts, [route.pool]: { ...poolContext(data || {}), errors } },
        }));
      });
      return () => {
        live = false;
      };
    }, [route.pool, state.loading, state.me]);
    return state;
  }
  /** ConsoleStart's variables: the pool of the URL's context comes with the caller and the pools. */
  const startVariables = (route) => ({ pool: route.pool || "-", withPool: Boolean(route.pool) });

  function poolContext(data) {
    const pool = data.pool && data.pool.__typename === "UserPool" ? data.pool : null;
    const groups = data.poolGroups && data.poolGroups.nodes ? data.poolGroups.nodes.map((g) => g.groupName) : [];
    const errors = [data.pool, data.poolGroups].filter(typedError);
    return { pool, groups, errors };
  }

  function App() {
    const [route, setRoute] = useState(() => parseRoute(location.search));
    const [generation, setGeneration] = useState(0);
    const [refused, setRefused] = useState(null);
    const [signInError, setSignInError] = useState(null);
    const [status, setStatus] = useState({ text: "" });
    /** Says what an action did (a live region); `across`: it survives the view change the action itself makes. */
    const announce = useCallback((text, { across = false } = {}) => setStatus({ text, across }), []);
    // An action's result is news for a while, and not once the user has gone to another view.
    useEffect(() => {
      if (!status.text) return undefined;
      const timer = setTimeout(() => setStatus({ text: "" }), 8000);
      return () => clearTimeout(timer);
    }, [status]);
    const session = useSession(route, generation);

    useEffect(() => {
      const follow = () => setRoute(parseRoute(location.search));
      addEventListener("popstate", follow);
      addEventListener("console:navigate", follow);
      const onRefused = (errors) => setRefused(errors);
      Session.listeners.add(onRefused);
      if (Session.refused) setRefused(Session.refused); // refused before this listened (a request sent at start)
      return () => {
        removeEventListener("popstate", follow);
        removeEventListener("console:navigate", follow);
        Session.listeners.delete(onRefused);
      };
    }, []);
    useEffect(() => {
      const pending = window.__consoleSignIn;
      if (pending) pending.then((error) => error && setSignInError(error));
    }, []);

    // One pool and none in the URL: pick it.
    const poolNodes = (session.pools && session.pools.nodes) || [];
    useEffect(() => {
      if (!route.pool && poolNodes.length === 1) navigate({ ...route, pool: poolNodes[0].id }, { replace: true });
    }, [route.pool, poolNodes.length]);

    // Focus the view's heading when the view (not the search) changes, for keyboard and screen reader users.
    const viewKey = `${route.view}:${route.pool}:${route.user}`;
    const firstView = useRef(true);
    useEffect(() => {
      if (firstView.current) {
        firstView.current = false;
        return;
      }
      const heading = document.getElementById("view-title");
      if (heading) heading.focus();
      setStatus((current) => (!current.text ? current : current.across ? { ...current, across: false } : { text: "" }));
    }, [viewKey]);
    useEffect(() => {
      const pool = poolNodes.find((p) => p.id === route.pool);
      document.title = `${VIEW_TITLES[route.view]}${route.user && route.view === "user" ? `: ${route.user}` : ""}` +
        `${pool ? ` · ${pool.name}` : ""} · Cognito gateway console`;
    }, [route.view, route.user, route.pool, poolNodes.length]);

    const onCredential = () => {
      Session.refused = null;
      setRefused(null);
      setSignInError(null);
      setGeneration((n) => n + 1);
    };
    const context = route.pool ? session.contexts[route.pool] : null;
    const role = roleOn(session.me, route.pool);
    const poolErrors = (session.pools && typedError(session.pools) ? [session.pools] : []);
    const needsCredential = CONFIG.authMode !== "none" && (!Credential.get() || (refused && refused.length > 0));

    return html`<div class="app">
      <a class="skip" href="#main">Skip to content</a>
      <header class="topbar">
        <span class="brand">Cognito gateway <span class="muted">console</span></span>
        <${PoolPicker} route=${route} pools=${poolNodes} />
        ${route.pool && html`<nav class="views" aria-label="Views">
          ${NAV.map(([view, label]) => {
            const current = route.view === view || (view === "users" && route.view === "user");
            const target = view === "users" && lastUsersRoute && lastUsersRoute.pool === route.pool
              ? lastUsersRoute : { view, pool: route.pool, q: "", where: [], sort: [] };
            return html`<${Link} route=${target} class="view-link" aria-current=${current ? "page" : undefined}>${label}<//>`;
          })}
        </nav>`}
        <${Caller} me=${session.me} role=${role} pool=${route.pool} onSignOut=${Credential.get() && CONFIG.authMode !== "none"
          ? () => { Credential.clear(); Subscriptions.reset(); onCredential(); } : null} />
      </header>
      <div class=${status.text ? "status shown" : "status"} role="status" aria-live="polite">${status.text}</div>
      <main id="main">
        ${needsCredential && html`<${AuthPanel} onChange=${onCredential} refused=${refused} signInError=${signInError} />`}
        <${ErrorList} errors=${[...session.errors.filter((e) => !(e.extensions && e.extensions.code === "UNAUTHENTICATED")), ...poolErrors]} />
        ${session.loading && !session.me && html`<${Loading} what="the console" />`}
        ${session.me && html`<${View} route=${route} context=${context} role=${role} announce=${announce}
          pools=${poolNodes} />`}
      </main>
    </div>`;
  }

  function PoolPicker({ route, pools }) {
    const choose = (event) => {
      const pool = event.currentTarget.value;
      if (pool) navigate({ view: route.view === "user" ? "users" : route.view, pool, q: "", where: [], sort: [] });
    };
    return html`<div class="pool-picker">
      <label for="pool">User pool</label>
      <select id="pool" value=${route.pool} onChange=${choose}>
        ${!route.pool && html`<option value="">choose a pool…</option>`}
        ${route.pool && !pools.some((p) => p.id === route.pool) && html`<option value=${route.pool}>${route.pool}</option>`}
        ${pools.map((pool) => html`<option value=${pool.id} title=${pool.id}>${pool.name}</option>`)}
      </select>
    </div>`;
  }

  function Caller({ me, role, pool, onSignOut }) {
    if (!me) return html`<div class="caller"></div>`;
    const roleName = Object.keys(RANKS).find((name) => RANKS[name] === role) || "no access";
    return html`<div class="caller">
      <span title=${`authenticated by ${me.authMode}`}>${me.subject}</span>
      <${Badge} kind="role">${pool ? roleName : (me.roles || []).join(", ")}<//>
      ${onSignOut && html`<button type="button" class="link" onClick=${onSignOut}>Sign out</button>`}
    </div>`;
  }

  function View({ route, context, role, announce, pools }) {
    if (!route.pool) {
      return html`<section aria-labelledby="view-title" class="welcome">
        <h1 id="view-title" tabindex="-1">Choose a user pool</h1>
        <ul class="pool-list">${pools.map((pool) => html`<li>
          <${Link} route=${{ view: "users", pool: pool.id, q: "", where: [], sort: [] }}>${pool.name}<//>
          <span class="muted mono"> ${pool.id}</span></li>`)}</ul>
        ${pools.length === 0 && html`<p class="muted">No user pool this caller may read.</p>`}
      </section>`;
    }
    if (role === 0) {
      return html`<p class="error" role="alert">FORBIDDEN: this caller has no grant on ${route.pool}.</p>`;
    }
    if (context && context.errors && context.errors.length && !context.pool) {
      return html`<${ErrorList} errors=${context.errors} />`;
    }
    const props = { route, context, role, announce };
    switch (route.view) {
      case "user":
        return html`<${UserView} ...${props} />`;
      case "groups":
        return html`<${GroupsView} ...${props} />`;
      case "clients":
        return html`<${ClientsView} ...${props} />`;
      case "jobs":
        return html`<${JobsView} ...${props} />`;
      default:
        return html`<section aria-labelledby="view-title">
          <h1 id="view-title" tabindex="-1" class="visually-hidden">Users</h1>
          <${UsersView} ...${props} />
        </section>`;
    }
  }

  // -- start ------------------------------------------------------------------------------------------------------

  /** Renders into #app (or a new element) once the document is parsed, after a pending sign-in completes. */
  function start() {
    window.__consoleSignIn = CONFIG.authMode === "jwt" ? completeSignIn() : null;
    const mount = document.getElementById("console") || document.body.appendChild(document.createElement("div"));
    // The page's placeholder may be a live region; the app has its own (a whole app announced on each render is noise).
    mount.removeAttribute("aria-live");
    mount.textContent = ""; // its "Loading..." placeholder
    const show = () => {
      const route = parseRoute(location.search);
      Prefetched.send("ConsoleStart", startVariables(route));
      prefetchView(route);
      render(html`<${App} />`, mount);
    };
    if (window.__consoleSignIn) window.__consoleSignIn.then(show);
    else show();
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
