// hawser dashboard: polls the admin JSON API and keeps the page current without reloading.
//
// Every value from the API is written with textContent or an attribute: service names, rules
// and skip reasons come from Docker labels, which anyone who can deploy a service controls.
"use strict";

(() => {
  const POLL_MS = 1000;
  const MAX_BACKOFF_MS = 15000;
  const TIMEOUT_MS = 5000;
  const HISTORY = 90;
  const CLASSES = ["1xx", "2xx", "3xx", "4xx", "5xx"];
  const ENDPOINTS = {
    overview: "../api/overview",
    routes: "../api/routes",
    services: "../api/services",
    discovery: "../api/discovery",
    certificates: "../api/certificates",
  };

  const state = {
    skew: 0, // server clock minus browser clock, ms
    loaded: false,
    failures: 0,
    failingSince: null,
    lastError: "",
    nextPollAt: 0,
    timer: null,
    previous: null, // {requests, now}
    routePrevious: new Map(), // route name -> {requests, now}
    history: [],
    startedAt: null,
  };

  const byId = (id) => document.getElementById(id);
  const number = new Intl.NumberFormat();

  // ---------------------------------------------------------------- DOM helpers

  function h(tag, options, children) {
    const node = document.createElement(tag);
    if (options) {
      if (options.className) node.className = options.className;
      if (options.text !== undefined) node.textContent = options.text;
      if (options.title) node.title = options.title;
      if (options.testid) node.dataset.testid = options.testid;
      if (options.label) node.dataset.label = options.label;
    }
    for (const child of children || []) node.append(child);
    return node;
  }

  function setText(node, value) {
    const text = value === null || value === undefined ? "" : String(value);
    if (node.textContent !== text) node.textContent = text;
  }

  function setData(node, name, value) {
    if (value === null || value === undefined) {
      delete node.dataset[name];
    } else if (node.dataset[name] !== String(value)) {
      node.dataset[name] = String(value);
    }
  }

  function setTitle(node, value) {
    const title = value || "";
    if (node.title !== title) node.title = title;
  }

  function toggleClass(node, name, on) {
    if (node.classList.contains(name) !== Boolean(on)) node.classList.toggle(name, Boolean(on));
  }

  // Keeps `container`'s children in the order of `items`, reusing the element made for each key,
  // so rows do not flicker and a selection survives a refresh. New elements after the first
  // render are marked `fresh` for a moment.
  function reconcile(container, items, keyOf, create, update) {
    const existing = new Map();
    for (const child of Array.from(container.children)) {
      if (child.hawserKey !== undefined) existing.set(child.hawserKey, child);
    }
    const wanted = [];
    for (const item of items) {
      const key = keyOf(item);
      let node = existing.get(key);
      if (node) {
        existing.delete(key);
      } else {
        node = create(item);
        node.hawserKey = key;
        if (state.loaded) flash(node);
      }
      update(node, item);
      wanted.push(node);
    }
    for (const stale of existing.values()) stale.remove();
    wanted.forEach((node, index) => {
      if (container.children[index] !== node) {
        container.insertBefore(node, container.children[index] || null);
      }
    });
  }

  function flash(node) {
    node.classList.add("fresh");
    setTimeout(() => node.classList.remove("fresh"), 2500);
  }

  // ---------------------------------------------------------------- formatting

  function serverNow() {
    return Date.now() + state.skew;
  }

  function duration(ms) {
    const seconds = Math.max(0, Math.floor(ms / 1000));
    if (seconds < 60) return `${seconds} s`;
    const minutes = Math.floor(seconds / 60);
    if (minutes < 60) return `${minutes} min`;
    const hours = Math.floor(minutes / 60);
    if (hours < 24) return minutes % 60 ? `${hours} h ${minutes % 60} min` : `${hours} h`;
    const days = Math.floor(hours / 24);
    return hours % 24 ? `${days} d ${hours % 24} h` : `${days} d`;
  }

  function ago(ms) {
    if (ms === null || ms === undefined) return "never";
    const elapsed = serverNow() - ms;
    if (elapsed < 1000) return "just now";
    return `${duration(elapsed)} ago`;
  }

  function absolute(ms) {
    return ms ? new Date(ms).toLocaleString() : "";
  }

  // A span showing "3 s ago" for `at`, kept current by the once-a-second tick.
  function relativeTime(node, at, prefix, title) {
    setData(node, "at", at === null || at === undefined ? null : at);
    setData(node, "prefix", prefix || null);
    setTitle(node, title || absolute(at));
    setText(node, (prefix || "") + ago(at));
  }

  function refreshRelativeTimes() {
    for (const node of document.querySelectorAll("[data-at]")) {
      setText(node, (node.dataset.prefix || "") + ago(Number(node.dataset.at)));
    }
  }

  function rate(value) {
    if (value === null || value === undefined || !Number.isFinite(value)) return "–";
    if (value === 0) return "0";
    if (value < 10) return value.toFixed(1);
    return number.format(Math.round(value));
  }

  function latency(ms) {
    if (ms === null || ms === undefined) return "–";
    if (ms < 10) return `${ms.toFixed(2)} ms`;
    if (ms < 1000) return `${ms.toFixed(ms < 100 ? 1 : 0)} ms`;
    return `${(ms / 1000).toFixed(2)} s`;
  }

  // Swarm IDs are 25 characters; like `docker service ps`, show the first 12.
  function shortId(id) {
    return id && id.length >= 25 ? id.slice(0, 12) : id;
  }

  function plural(count, one, many) {
    return `${number.format(count)} ${count === 1 ? one : many}`;
  }

  // ---------------------------------------------------------------- status classes

  function classBar(node) {
    if (!node.firstChild) {
      for (const name of CLASSES) node.append(h("span", { className: `seg c${name}` }));
    }
    return node;
  }

  function updateClassBar(node, responses) {
    classBar(node);
    const total = CLASSES.reduce((sum, name) => sum + (responses[name] || 0), 0);
    toggleClass(node, "empty", total === 0);
    Array.from(node.children).forEach((segment, index) => {
      const count = responses[CLASSES[index]] || 0;
      const grow = String(count);
      if (segment.style.flexGrow !== grow) segment.style.flexGrow = grow;
      toggleClass(segment, "none", count === 0);
      setTitle(segment, `${CLASSES[index]}: ${number.format(count)}`);
    });
  }

  // ---------------------------------------------------------------- rendering

  function renderOverview(overview) {
    setText(byId("version"), `v${overview.version}`);
    state.startedAt = overview.started_at;

    let rps = null;
    if (state.previous && overview.now > state.previous.now) {
      const delta = overview.requests - state.previous.requests;
      rps = Math.max(0, delta) / ((overview.now - state.previous.now) / 1000);
      state.history.push(rps);
      if (state.history.length > HISTORY) state.history.shift();
    }
    state.previous = { requests: overview.requests, now: overview.now };

    const rpsNode = byId("rps");
    if (rps !== null) {
      setText(rpsNode, rate(rps));
      setData(rpsNode, "value", rps.toFixed(3));
    }
    renderSparkline(byId("spark"), state.history);

    const requests = byId("requests");
    setText(requests, number.format(overview.requests));
    setData(requests, "value", overview.requests);
    setText(
      byId("connections"),
      `${plural(overview.connections_open, "connection", "connections")} open · ` +
        `${number.format(overview.connections_accepted)} accepted`,
    );

    updateClassBar(byId("classbar"), overview.responses);
    reconcile(
      byId("classes"),
      CLASSES.filter((name) => name !== "1xx" || overview.responses[name] > 0),
      (name) => name,
      (name) =>
        h("li", { className: `class c${name}`, testid: `class-${name}` }, [
          h("span", { className: "swatch" }),
          h("span", { className: "class-name", text: name }),
          h("span", { className: "class-count" }),
        ]),
      (node, name) => {
        const count = overview.responses[name] || 0;
        setText(node.querySelector(".class-count"), number.format(count));
        setData(node, "value", count);
      },
    );

    setText(byId("table-size"), plural(overview.routes, "route", "routes"));
    const detail = byId("table-detail");
    setText(
      detail,
      `${plural(overview.backends, "backend", "backends")} · ${number.format(overview.skipped)} skipped`,
    );
    const updated = byId("table-updated");
    relativeTime(
      updated,
      overview.table_updated_at,
      "rebuilt ",
      `generation ${overview.generation}, built ${absolute(overview.table_updated_at)}`,
    );

    const started = byId("footer-started");
    setText(
      started,
      `hawser ${overview.version} · up ${duration(overview.now - overview.started_at)}`,
    );
    setTitle(started, `started ${absolute(overview.started_at)}`);
  }

  function renderSparkline(container, values) {
    const ns = "http://www.w3.org/2000/svg";
    let svg = container.firstChild;
    if (!svg) {
      svg = document.createElementNS(ns, "svg");
      svg.setAttribute("viewBox", `0 0 ${HISTORY - 1} 30`);
      svg.setAttribute("preserveAspectRatio", "none");
      const base = document.createElementNS(ns, "path");
      base.setAttribute("class", "spark-base");
      base.setAttribute("d", `M0,29.5L${HISTORY - 1},29.5`);
      const area = document.createElementNS(ns, "path");
      area.setAttribute("class", "spark-area");
      const line = document.createElementNS(ns, "path");
      line.setAttribute("class", "spark-line");
      svg.append(base, area, line);
      container.append(svg);
    }
    const [, area, line] = svg.children;
    if (values.length < 2) {
      area.setAttribute("d", "");
      line.setAttribute("d", "");
      return;
    }
    // Spread over the whole width until the history is full, then scroll.
    const max = Math.max(1, ...values);
    const step = (HISTORY - 1) / (values.length - 1);
    const points = values.map(
      (value, index) => `${(index * step).toFixed(2)},${(28 - (value / max) * 26).toFixed(2)}`,
    );
    line.setAttribute("d", `M${points.join("L")}`);
    area.setAttribute("d", `M0,30L${points.join("L")}L${HISTORY - 1},30Z`);
  }

  function renderRoutes(routes, services, now) {
    const servicesByName = new Map(services.map((service) => [service.name, service]));
    const warnings = new Map();
    for (const warning of routes.warnings || []) {
      if (!warnings.has(warning.service)) warnings.set(warning.service, []);
      warnings.get(warning.service).push(warning.message);
    }

    const seen = new Set();
    reconcile(
      byId("routes"),
      routes.routes,
      (route) => route.name,
      createRoute,
      (node, route) => {
        seen.add(route.name);
        updateRoute(node, route, servicesByName.get(route.service), warnings.get(route.service), now);
      },
    );
    for (const name of Array.from(state.routePrevious.keys())) {
      if (!seen.has(name)) state.routePrevious.delete(name);
    }
    byId("routes-empty").hidden = routes.routes.length > 0;

    const routed = new Set(routes.routes.map((route) => route.service));
    const other = (routes.warnings || []).filter((warning) => !routed.has(warning.service));
    byId("warnings-panel").hidden = other.length === 0;
    reconcile(
      byId("warnings"),
      other,
      (warning) => `${warning.service}\u0000${warning.message}`,
      (warning) =>
        h("li", { className: "note", testid: "warning" }, [
          h("span", { className: "note-service", text: warning.service }),
          h("span", { className: "note-text", text: warning.message }),
        ]),
      () => {},
    );
  }

  const COLUMNS = ["Task", "Slot", "Node", "Address", "State", "Requests", "Errors", "Latency"];

  function createRoute(route) {
    const head = h("div", { className: "route-head" }, [
      h("div", { className: "route-title" }, [
        h("h3", { className: "route-name", testid: "route-name" }),
        h("code", { className: "rule", testid: "rule" }),
      ]),
      h("div", { className: "route-traffic" }, [
        h("div", { className: "route-numbers" }, [
          h("span", { className: "route-rate", testid: "route-rate" }),
          h("span", { className: "route-requests", testid: "route-requests" }),
        ]),
        h("div", { className: "classbar small" }),
      ]),
    ]);
    const table = h("table", { className: "backends" }, [
      h("thead", {}, [h("tr", {}, COLUMNS.map((name) => h("th", { text: name, className: columnClass(name) })))]),
      h("tbody"),
    ]);
    const node = h("article", { className: "route", testid: "route" }, [
      head,
      h("ul", { className: "route-meta" }),
      h("ul", { className: "route-warnings" }),
      h("div", { className: "table-wrap" }, [table]),
      h("p", { className: "route-empty", text: "No running task: requests to this route get 503." }),
      h("p", {
        className: "route-unhealthy",
        testid: "all-unhealthy",
        text: "Every task fails its health check: requests to this route get 503.",
      }),
    ]);
    node.dataset.name = route.name;
    return node;
  }

  function columnClass(name) {
    return ["Requests", "Errors", "Latency"].includes(name) ? "num" : "";
  }

  function updateRoute(node, route, service, warnings, now) {
    setData(node, "name", route.name);
    setText(node.querySelector(".route-name"), route.name);
    setText(node.querySelector(".rule"), route.rule);

    const previous = state.routePrevious.get(route.name);
    const rateNode = node.querySelector(".route-rate");
    if (previous && now > previous.now) {
      const perSecond = Math.max(0, route.requests - previous.requests) / ((now - previous.now) / 1000);
      setText(rateNode, `${rate(perSecond)} req/s`);
    } else if (!previous) {
      setText(rateNode, "– req/s");
    }
    state.routePrevious.set(route.name, { requests: route.requests, now });
    const requests = node.querySelector(".route-requests");
    setText(requests, plural(route.requests, "request", "requests"));
    setData(requests, "value", route.requests);
    updateClassBar(node.querySelector(".classbar"), route.responses);

    const tasks = service ? service.tasks : [];
    const serving = tasks.filter((task) => task.serving).length;
    const meta = [];
    if (service && service.name !== route.name) meta.push(["service", service.name]);
    else if (!service && route.service !== route.name) meta.push(["service", route.service]);
    meta.push(["priority", String(route.priority)]);
    if (route.backend !== route.service) meta.push(["pool", route.backend]);
    if (service) {
      if (service.provider === "file") {
        meta.push(["", "from the configuration file"]);
      } else if (service.mode === "replicated" && service.replicas !== null) {
        meta.push(["tasks", `${serving} / ${service.replicas} running`, serving < service.replicas ? "warn" : ""]);
      } else {
        meta.push(["tasks", `${serving} running · ${service.mode}`]);
      }
    }
    if (route.pass_host_header === false) meta.push(["", "Host rewritten to the backend"]);
    if (route.dialect) meta.push(["labels", route.dialect === "v3" ? "Traefik v2/v3" : "Traefik v1"]);
    if (route.entry_points && route.entry_points.length) meta.push(["entry points", route.entry_points.join(", ")]);
    if (route.middlewares && route.middlewares.length) {
      meta.push(["middlewares", route.middlewares.map((m) => `${m.name} (${m.kind})`).join(" → ")]);
    }
    if (route.tls) meta.push(["tls", route.tls.cert_resolver ? `certificates from ${route.tls.cert_resolver}` : "on"]);
    reconcile(
      node.querySelector(".route-meta"),
      meta,
      (item) => item[0] || item[1],
      () => h("li", {}, [h("span", { className: "meta-key" }), h("span", { className: "meta-value" })]),
      (item, [key, value, tone]) => {
        setText(item.firstChild, key);
        setText(item.lastChild, value);
        item.className = tone ? `meta ${tone}` : "meta";
      },
    );

    reconcile(
      node.querySelector(".route-warnings"),
      warnings || [],
      (message) => message,
      (message) => h("li", { className: "note warn", text: message, testid: "route-warning" }),
      () => {},
    );

    const tasksById = new Map(tasks.map((task) => [task.id, task]));
    const backendTasks = new Set(route.backends.map((backend) => backend.task_id).filter(Boolean));
    const idle = tasks.filter((task) => !task.serving && !backendTasks.has(task.id));
    const rows = route.backends
      .map((backend) => ({ backend, task: backend.task_id ? tasksById.get(backend.task_id) : null }))
      .concat(idle.map((task) => ({ backend: null, task })));
    reconcile(
      node.querySelector("tbody"),
      rows,
      (row) => (row.backend ? `b:${row.backend.task_id || row.backend.address}` : `t:${row.task.id}`),
      createBackendRow,
      updateBackendRow,
    );
    toggleClass(node, "no-backends", route.backends.length === 0);
    const down = (backend) => backend.health && backend.health.status === "down";
    toggleClass(node, "all-unhealthy", route.backends.length > 0 && route.backends.every(down));
  }

  function createBackendRow(row) {
    const cells = COLUMNS.map((name) => {
      const cell = h("td", { label: name, className: columnClass(name) });
      cell.dataset.column = name.toLowerCase();
      return cell;
    });
    const tr = h("tr", { testid: row.backend ? "backend" : "task" }, cells);
    cells[0].append(h("code", { className: "task-id" }));
    cells[3].append(h("code", { className: "address" }));
    cells[4].append(h("span", { className: "state" }));
    return tr;
  }

  function updateBackendRow(tr, { backend, task }) {
    const cells = tr.children;
    const id = backend ? backend.task_id : task.id;
    setData(tr, "task", id || null);
    setData(tr, "address", backend ? backend.address : null);
    const taskId = cells[0].firstChild;
    setText(taskId, id ? shortId(id) : "static");
    setTitle(taskId, id || "a backend from the configuration file");

    const slot = backend ? backend.slot : task.slot;
    setText(cells[1], slot === null || slot === undefined ? "–" : slot);
    const nodeName = (backend && backend.node) || (task && task.node) || null;
    const nodeId = (backend && backend.node_id) || (task && task.node_id) || null;
    setText(cells[2], nodeName || (nodeId ? shortId(nodeId) : "–"));
    setTitle(cells[2], nodeId ? `node ${nodeId}` : "");
    setText(cells[3].firstChild, backend ? backend.address : (task.address || "no address"));

    const stateNode = cells[4].firstChild;
    let label;
    let tone;
    if (!task) {
      label = id ? "unknown" : "static";
      tone = id ? "muted" : "ok";
    } else {
      label = task.state === task.desired_state || task.desired_state === "running" ? task.state : `${task.state} → ${task.desired_state}`;
      tone = task.serving ? "ok" : ["failed", "rejected", "orphaned"].includes(task.state) ? "bad" : "warn";
    }
    // A task failing its balancer's active health check is out of rotation whatever Swarm says.
    const unhealthy = Boolean(backend && backend.health && backend.health.status === "down");
    if (unhealthy) {
      label = "unhealthy";
      tone = "bad";
    }
    setText(stateNode, label);
    stateNode.className = `state ${tone}`;
    setTitle(stateNode, unhealthy ? `health check: ${backend.health.reason || "failed"}` : null);
    setData(tr, "state", task ? task.state : null);
    setData(tr, "health", backend && backend.health ? backend.health.status : null);
    toggleClass(tr, "idle", !backend);

    if (backend) {
      setText(cells[5], number.format(backend.requests));
      setData(cells[5], "value", backend.requests);
      const errors = backend.failures + backend.server_errors;
      setText(cells[6], number.format(errors));
      setTitle(cells[6], `${number.format(backend.failures)} connection failures, ${number.format(backend.server_errors)} 5xx responses`);
      toggleClass(cells[6], "bad", errors > 0);
      setText(cells[7], latency(backend.latency_ms));
      setTitle(cells[7], "moving average");
    } else {
      for (const cell of [cells[5], cells[6], cells[7]]) setText(cell, "–");
      setTitle(cells[6], "");
      setTitle(cells[7], "not serving: gets no traffic");
    }
  }

  function renderSkipped(skipped) {
    setText(byId("skipped-count"), skipped.length ? String(skipped.length) : "");
    byId("skipped-empty").hidden = skipped.length > 0;
    reconcile(
      byId("skipped"),
      skipped,
      (entry) => (entry.router ? `${entry.service} ${entry.router}` : entry.service),
      () =>
        h("li", { className: "skip", testid: "skipped" }, [
          h("div", { className: "skip-head" }, [
            h("span", { className: "skip-service" }),
            h("span", { className: "pill" }),
          ]),
          h("p", { className: "skip-reason", testid: "skip-reason" }),
        ]),
      (node, entry) => {
        setData(node, "service", entry.service);
        setData(node, "router", entry.router || "");
        setText(
          node.querySelector(".skip-service"),
          entry.router ? `${entry.service} · router ${entry.router}` : entry.service,
        );
        const pill = node.querySelector(".pill");
        setText(pill, entry.intentional ? "disabled" : "not routed");
        pill.className = entry.intentional ? "pill muted" : "pill warn";
        setText(node.querySelector(".skip-reason"), entry.reason);
      },
    );
  }

  function indicator(node, tone, text, value) {
    if (!node.firstChild || !node.firstChild.classList || !node.firstChild.classList.contains("dot")) {
      node.replaceChildren(h("span", { className: "dot" }), h("span"));
    }
    node.firstChild.className = `dot ${tone}`;
    setText(node.lastChild, text);
    setData(node, "value", value);
  }

  function renderDiscovery(discovery) {
    const docker = discovery.provider === "docker";
    const reachable = byId("disc-reachable");
    if (!docker) {
      indicator(reachable, "muted", "not used: static routes only", "none");
    } else if (discovery.reachable) {
      indicator(reachable, "ok", "reachable", "true");
    } else {
      indicator(reachable, "bad", discovery.refreshes ? "unreachable" : "not reached yet", "false");
    }

    const engine = byId("disc-engine");
    if (!engine.querySelector(".engine-version")) {
      engine.replaceChildren(h("span", { className: "engine-version" }), h("span", { className: "aside" }));
    }
    const version = discovery.engine_version;
    setText(engine.firstChild, version || "–");
    setText(engine.lastChild, discovery.api_version ? ` · API ${discovery.api_version}` : "");
    setData(engine, "value", version);

    const events = byId("disc-events");
    if (!docker) indicator(events, "muted", "not used", "none");
    else if (discovery.events_connected) indicator(events, "ok", "connected", "true");
    else indicator(events, "warn", "reconnecting", "false");
    setTitle(events, docker ? `${number.format(discovery.events_received)} events received` : "");

    const polling = byId("disc-polling");
    setText(polling, discovery.polling === "active" ? "fast, while the swarm converges" : "normal interval");
    setTitle(polling, docker ? "" : "no Docker provider");

    const refresh = byId("disc-refresh");
    if (!refresh.querySelector(".when")) {
      refresh.replaceChildren(h("span", { className: "when" }), h("span", { className: "aside" }));
    }
    relativeTime(refresh.firstChild, discovery.last_refresh);
    const took = discovery.last_refresh_duration;
    setText(refresh.lastChild, discovery.last_refresh && took !== null ? ` · took ${latency(took)}` : "");
    relativeTime(byId("disc-change"), discovery.last_change);

    const refreshes = byId("disc-refreshes");
    setText(
      refreshes,
      number.format(discovery.refreshes) +
        (discovery.refresh_failures ? ` · ${number.format(discovery.refresh_failures)} failed` : " · none failed"),
    );
    toggleClass(refreshes, "warn", discovery.refresh_failures > 0 && !discovery.reachable);
    setText(byId("disc-endpoint"), discovery.endpoint || "–");

    byId("disc-saved-row").hidden = !discovery.serving_saved_state;
    if (discovery.serving_saved_state) {
      relativeTime(byId("disc-saved"), discovery.serving_saved_state, "the saved state from ");
    }

    byId("disc-error-row").hidden = !discovery.last_error;
    setText(byId("disc-error"), discovery.last_error || "");

    const problems = byId("disc-problems");
    problems.hidden = !(discovery.problems && discovery.problems.length);
    reconcile(
      problems,
      discovery.problems || [],
      (problem) => problem,
      (problem) => h("li", { className: "note warn", text: problem }),
      () => {},
    );
  }

  // What each state looks like; `valid` turns `warn` within two weeks of expiry.
  const CERT_TONES = { valid: "ok", ordering: "muted", renewing: "muted", failed: "bad", expired: "bad" };
  const SOON_MS = 14 * 24 * 3600 * 1000;

  function expiry(notAfter, now) {
    if (notAfter === null || notAfter === undefined) return "not issued yet";
    const left = notAfter - now;
    if (left <= 0) return `expired ${duration(-left)} ago`;
    return `expires in ${duration(left)}`;
  }

  function renderCertificates(certificates, now) {
    setText(byId("certificates-count"), certificates.length ? String(certificates.length) : "");
    reconcile(
      byId("certificates"),
      certificates,
      (cert) => `${cert.resolver}\u0000${cert.domain}\u0000${cert.file || ""}`,
      () =>
        h("li", { className: "cert", testid: "certificate" }, [
          h("div", { className: "cert-head" }, [
            h("span", { className: "cert-domain", testid: "certificate-domain" }),
            h("span", { className: "pill", testid: "certificate-state" }),
          ]),
          h("p", { className: "cert-sans" }),
          h("p", { className: "cert-detail" }, [
            h("span", { className: "cert-source" }),
            h("span", { className: "cert-expiry", testid: "certificate-expiry" }),
          ]),
          h("p", { className: "cert-error", testid: "certificate-error" }),
        ]),
      (node, cert) => {
        setData(node, "domain", cert.domain);
        setData(node, "resolver", cert.resolver);
        setData(node, "state", cert.state);
        setText(node.querySelector(".cert-domain"), cert.domain || "(no name)");
        const soon = cert.state === "valid" && cert.not_after && cert.not_after - now < SOON_MS;
        const pill = node.querySelector(".pill");
        setText(pill, cert.state);
        pill.className = `pill ${soon ? "warn" : CERT_TONES[cert.state] || "muted"}`;
        const sans = node.querySelector(".cert-sans");
        sans.hidden = !cert.sans.length;
        setText(sans, cert.sans.join(", "));
        const source = cert.resolver === "file" || cert.resolver === "default" ? cert.resolver : `ACME ${cert.resolver}`;
        setText(node.querySelector(".cert-source"), source);
        setTitle(node.querySelector(".cert-source"), [cert.file, cert.issuer].filter(Boolean).join(" · "));
        const when = node.querySelector(".cert-expiry");
        setText(when, ` · ${expiry(cert.not_after, now)}`);
        setTitle(when, absolute(cert.not_after));
        toggleClass(when, "warn", Boolean(soon));
        const error = node.querySelector(".cert-error");
        error.hidden = !cert.last_error;
        setText(error, cert.last_error || "");
      },
    );
  }

  // ---------------------------------------------------------------- polling

  async function fetchJson(url) {
    const controller = new AbortController();
    const timeout = setTimeout(() => controller.abort(), TIMEOUT_MS);
    try {
      const response = await fetch(url, { cache: "no-store", signal: controller.signal });
      if (!response.ok) throw new Error(`${url.replace("../", "/")} answered ${response.status}`);
      return await response.json();
    } catch (error) {
      if (error.name === "AbortError") throw new Error(`${url.replace("../", "/")} timed out`);
      throw error;
    } finally {
      clearTimeout(timeout);
    }
  }

  async function poll() {
    state.timer = null;
    let data;
    try {
      const [overview, routes, services, discovery, certificates] = await Promise.all([
        fetchJson(ENDPOINTS.overview),
        fetchJson(ENDPOINTS.routes),
        fetchJson(ENDPOINTS.services),
        fetchJson(ENDPOINTS.discovery),
        fetchJson(ENDPOINTS.certificates),
      ]);
      data = { overview, routes, services, discovery, certificates };
    } catch (error) {
      failed(error);
      return;
    }
    try {
      state.skew = data.overview.now - Date.now();
      renderOverview(data.overview);
      renderRoutes(data.routes, data.services, data.overview.now);
      renderSkipped(data.routes.skipped || []);
      renderDiscovery(data.discovery);
      renderCertificates(data.certificates, data.overview.now);
      succeeded();
    } catch (error) {
      // A render bug must not stop the page from updating; report it and carry on.
      console.error("hawser dashboard: rendering failed", error);
      failed(new Error(`could not show the answer: ${error.message}`));
      return;
    }
    schedule(POLL_MS);
  }

  function succeeded() {
    state.loaded = true;
    state.failures = 0;
    state.failingSince = null;
    byId("main").classList.remove("loading", "stale");
    byId("banner").hidden = true;
    document.title = "hawser · dashboard";
    const connection = byId("connection");
    connection.dataset.state = "live";
    setText(byId("connection-text"), "live");
    setTitle(connection, `last update ${new Date().toLocaleTimeString()}`);
  }

  function failed(error) {
    state.failures += 1;
    if (!state.failingSince) state.failingSince = Date.now();
    state.lastError = error && error.message ? error.message : String(error);
    const delay = Math.min(MAX_BACKOFF_MS, POLL_MS * 2 ** Math.min(state.failures - 1, 4));
    const main = byId("main");
    if (state.loaded) main.classList.add("stale");
    byId("connection").dataset.state = "offline";
    byId("banner").hidden = false;
    document.title = "hawser · offline";
    schedule(delay);
    updateCountdown();
  }

  function updateCountdown() {
    if (!state.failingSince) return;
    const seconds = Math.max(0, Math.ceil((state.nextPollAt - Date.now()) / 1000));
    const since = duration(Date.now() - state.failingSince);
    setText(byId("connection-text"), seconds > 0 ? `offline · retry in ${seconds} s` : "offline · retrying");
    setText(
      byId("banner-detail"),
      `${state.lastError}. Failing for ${since}; ` +
        (seconds > 0 ? `retrying in ${seconds} s.` : "retrying now.") +
        (state.loaded ? " The figures below are from the last successful update." : ""),
    );
  }

  function schedule(delay) {
    if (state.timer) clearTimeout(state.timer);
    state.nextPollAt = Date.now() + delay;
    state.timer = setTimeout(poll, delay);
  }

  // Relative times and the retry countdown move every second, between polls too.
  setInterval(() => {
    refreshRelativeTimes();
    updateCountdown();
  }, 1000);

  // Coming back to a tab that was hidden (and throttled): refresh at once.
  document.addEventListener("visibilitychange", () => {
    if (document.visibilityState === "visible" && state.timer && !state.failingSince) {
      schedule(0);
    }
  });

  poll();
})();
