#!/usr/bin/python3
"""Static checks of deploy/monitoring against the binaries and the docs.

  check_monitoring.py names REPO EXPOSITION...
      Every metric named in the rules files and in the dashboard is exposed by the
      running binaries (the EXPOSITION files are /metrics scrapes of a real mcns-control
      and a real mcns-dns), with the label names its selectors use; every recorded name
      used is defined by a recording rule.
  check_monitoring.py static REPO
      The dashboard parses and every panel queries the datasource variable with an
      expression naming a metric; every alert has summary, description and a runbook_url
      whose anchor is a heading of docs/RUNBOOK.md section 7; the monitoring compose file
      loads the rules and scrapes the control and every frontend of compose.yaml.
  check_monitoring.py names REPO EXPOSITION... --rules FILE...
      As `names`, with other rules files (the test's own negative case).

Exit status 0 when everything holds; 1 with one line per problem otherwise.
"""
import json
import re
import sys
from pathlib import Path

import yaml

# Series that Prometheus itself adds to every scrape target.
SYNTHETIC = {"up", "scrape_duration_seconds", "scrape_samples_scraped", "scrape_series_added"}
# Labels that Prometheus attaches at scrape time, or that rules add.
TARGET_LABELS = {"job", "instance", "__name__"}
IDENT = re.compile(r"[A-Za-z_:][A-Za-z0-9_:]*")
SELECTOR = re.compile(r"([A-Za-z_:][A-Za-z0-9_:]*)\s*\{([^}]*)\}")
MATCHER = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\s*(=~|!~|!=|=)")
STRING = re.compile(r'"(?:[^"\\]|\\.)*"|\'(?:[^\'\\]|\\.)*\'|`[^`]*`')
RUNBOOK_PREFIX = "file:///usr/local/share/doc/mcns/RUNBOOK.md#"

problems = []


def problem(text):
    problems.append(text)


def monitoring_dir(repo):
    return Path(repo) / "deploy" / "monitoring"


def rules_files(repo):
    return sorted(monitoring_dir(repo).glob("*.rules.yml"))


def dashboard_files(repo):
    return sorted((monitoring_dir(repo) / "grafana").glob("*.json"))


def parse_exposition(paths):
    """{sample name: set of label names}, histogram suffixes included."""
    names = {}
    for path in paths:
        types = {}
        for line in Path(path).read_text().splitlines():
            if line.startswith("# TYPE "):
                _, _, name, kind = line.split(None, 3)
                types[name] = kind.strip()
                names.setdefault(name, set())
                if kind.strip() == "histogram":
                    for suffix in ("_bucket", "_sum", "_count"):
                        names.setdefault(name + suffix, set())
                continue
            if not line or line.startswith("#"):
                continue
            m = re.match(r"([A-Za-z_:][A-Za-z0-9_:]*)(\{([^}]*)\})?\s", line)
            if not m:
                continue
            labels = set(re.findall(r'([A-Za-z_][A-Za-z0-9_]*)="', m.group(3) or ""))
            names.setdefault(m.group(1), set()).update(labels)
        # A histogram's labels are those of its buckets (minus le) on _sum/_count.
        for name, kind in types.items():
            if kind == "histogram":
                base = names.get(name + "_bucket", set()) - {"le"}
                names[name].update(base)
                names[name + "_sum"].update(base)
                names[name + "_count"].update(base)
    return names


def load_rules(paths):
    """[(file, rule dict)]"""
    out = []
    for path in paths:
        doc = yaml.safe_load(Path(path).read_text())
        for group in doc.get("groups", []):
            for rule in group.get("rules", []):
                out.append((Path(path).name, rule))
    return out


def walk_panels(panels):
    for p in panels:
        yield p
        yield from walk_panels(p.get("panels", []))


def dashboard_exprs(path):
    """[(where, expr)] of every panel target and every query variable."""
    doc = json.loads(Path(path).read_text())
    out = []
    for p in walk_panels(doc.get("panels", [])):
        for t in p.get("targets", []):
            out.append((f'{Path(path).name} panel "{p.get("title")}"', t.get("expr", "")))
    for v in doc.get("templating", {}).get("list", []):
        if v.get("type") == "query":
            q = v.get("query")
            q = q.get("query", "") if isinstance(q, dict) else (q or "")
            out.append((f'{Path(path).name} variable "{v.get("name")}"', q))
    return out


def metric_names(expr):
    """Metric-like names in a PromQL expression: exposed ones start with mcns_, recorded
    ones contain a colon. String literals (label values) are removed first."""
    bare = STRING.sub('""', expr)
    names = set()
    for token in IDENT.findall(bare):
        if ":" in token or token.startswith("mcns_"):
            names.add(token)
    return names


def check_names(repo, expositions, rule_paths):
    exposed = parse_exposition(expositions)
    if not any(n.startswith("mcns_") for n in exposed):
        problem("the scrapes hold no mcns_ metric at all")
    rules = load_rules(rule_paths)
    recorded = {r["record"] for _, r in rules if "record" in r}
    exprs = [(f'{f} {r.get("alert") or r.get("record")}', r["expr"]) for f, r in rules]
    for d in dashboard_files(repo):
        exprs += dashboard_exprs(d)
    if not exprs:
        problem("no expressions found")
    used = set()
    for where, expr in exprs:
        names = metric_names(str(expr))
        for name in names:
            used.add(name)
            if ":" in name:
                if name not in recorded:
                    problem(f"{where}: recorded series {name} is not defined by any recording rule")
            elif name not in exposed:
                problem(f"{where}: metric {name} is not exposed by mcns-control or mcns-dns")
        for sel_name, matchers in SELECTOR.findall(STRING.sub('""', str(expr))):
            if sel_name in SYNTHETIC or ":" in sel_name:
                continue
            if not sel_name.startswith("mcns_"):
                problem(f"{where}: metric {sel_name} is neither an MCNS metric nor one Prometheus adds")
                continue
            if sel_name not in exposed:
                continue  # reported above
            for label, _ in MATCHER.findall(matchers):
                if label not in exposed[sel_name] and label not in TARGET_LABELS:
                    problem(f"{where}: {sel_name} has no label {label} "
                            f"(it has {sorted(exposed[sel_name]) or 'none'})")
    unused = sorted({re.sub(r"_(bucket|sum|count)$", "", n) for n in exposed if n.startswith("mcns_")}
                    - {re.sub(r"_(bucket|sum|count)$", "", n) for n in used})
    print("exposed but not used by the rules or the dashboard:", " ".join(unused) or "none")
    print(f"checked {len(exprs)} expressions naming {len(used)} metrics and recorded series "
          f"against {sum(1 for n in exposed if n.startswith('mcns_'))} exposed mcns_ series names")


def slug(heading):
    """GitHub's anchor for a Markdown heading."""
    text = heading.strip().lower()
    text = re.sub(r"[^\w\- ]", "", text)
    return text.replace(" ", "-")


def check_static(repo):
    repo = Path(repo)
    # -- alerts: annotations and runbook anchors in RUNBOOK.md section 7 --
    runbook = (repo / "docs" / "RUNBOOK.md").read_text()
    m = re.search(r"^## 7\..*?(?=^## 8\.)", runbook, re.S | re.M)
    if not m:
        problem("docs/RUNBOOK.md has no section 7 followed by section 8")
        section7 = ""
    else:
        section7 = m.group(0)
    anchors = {slug(h) for h in re.findall(r"^#{2,4} (.+)$", section7, re.M)}
    alerts = [r for _, r in load_rules(rules_files(repo)) if "alert" in r]
    if len(alerts) < 10:
        problem(f"only {len(alerts)} alerts")
    for r in alerts:
        ann = r.get("annotations", {})
        for key in ("summary", "description", "runbook_url"):
            if not str(ann.get(key, "")).strip():
                problem(f"alert {r['alert']} has no {key}")
        url = str(ann.get("runbook_url", ""))
        if not url.startswith(RUNBOOK_PREFIX):
            problem(f"alert {r['alert']}: runbook_url {url} does not point into RUNBOOK.md")
        elif url[len(RUNBOOK_PREFIX):] not in anchors:
            problem(f"alert {r['alert']}: anchor #{url[len(RUNBOOK_PREFIX):]} is not a heading of RUNBOOK.md section 7")
        if "severity" not in r.get("labels", {}):
            problem(f"alert {r['alert']} has no severity label")
        if r["alert"] not in section7:
            problem(f"alert {r['alert']} is not explained in RUNBOOK.md section 7")

    # -- dashboard --
    boards = dashboard_files(repo)
    if not boards:
        problem("no dashboard in deploy/monitoring/grafana")
    for path in boards:
        try:
            doc = json.loads(path.read_text())
        except json.JSONDecodeError as e:
            problem(f"{path.name}: not JSON: {e}")
            continue
        variables = {v.get("name"): v for v in doc.get("templating", {}).get("list", [])}
        ds = [n for n, v in variables.items() if v.get("type") == "datasource" and v.get("query") == "prometheus"]
        if not ds:
            problem(f"{path.name}: no Prometheus datasource variable")
        ds_ref = f"${{{ds[0]}}}" if ds else None
        ids = set()
        data_panels = 0
        for p in walk_panels(doc.get("panels", [])):
            if p.get("id") in ids:
                problem(f"{path.name}: panel id {p.get('id')} used twice")
            ids.add(p.get("id"))
            if p.get("type") == "row":
                continue
            data_panels += 1
            title = p.get("title")
            if (p.get("datasource") or {}).get("uid") != ds_ref:
                problem(f'{path.name} panel "{title}": datasource is not the variable {ds_ref}')
            targets = p.get("targets", [])
            if not targets:
                problem(f'{path.name} panel "{title}": no query')
            for t in targets:
                if (t.get("datasource") or {}).get("uid") != ds_ref:
                    problem(f'{path.name} panel "{title}": a query does not use {ds_ref}')
                expr = t.get("expr", "")
                if not metric_names(expr) and not SYNTHETIC & set(IDENT.findall(STRING.sub('""', expr))):
                    problem(f'{path.name} panel "{title}": query {expr!r} names no metric')
            if not any(metric_names(t.get("expr", "")) for t in targets):
                problem(f'{path.name} panel "{title}": no query names an MCNS metric')
        for v in variables.values():
            if v.get("type") == "query" and (v.get("datasource") or {}).get("uid") != ds_ref:
                problem(f'{path.name} variable {v.get("name")}: datasource is not {ds_ref}')
        if data_panels < 10:
            problem(f"{path.name}: only {data_panels} panels")

    # -- compose: the monitoring service scrapes what compose.yaml runs --
    compose_dir = repo / "deploy" / "compose"
    base = yaml.safe_load((compose_dir / "compose.yaml").read_text())
    mon_path = compose_dir / "monitoring.yml"
    mon = yaml.safe_load(mon_path.read_text())
    services = mon.get("services", {})
    if "prometheus" not in services:
        problem("monitoring.yml has no prometheus service")
    else:
        prom = services["prometheus"]
        if not str(prom.get("image", "")).strip():
            problem("the prometheus service has no image")
        mounts = " ".join(str(v) for v in prom.get("volumes", []))
        if "../monitoring" not in mounts:
            problem("the prometheus service does not mount deploy/monitoring")
        for svc in prom.get("depends_on", []):
            if svc not in base["services"]:
                problem(f"prometheus depends on {svc}, which compose.yaml does not define")
    prom_cfg = yaml.safe_load((monitoring_dir(repo) / "prometheus.yml").read_text())
    jobs = {j["job_name"]: {t for sc in j.get("static_configs", []) for t in sc.get("targets", [])}
            for j in prom_cfg.get("scrape_configs", [])}
    for f in prom_cfg.get("rule_files", []):
        if not (monitoring_dir(repo) / f).exists():
            problem(f"prometheus.yml loads {f}, which does not exist")
    if {Path(f).name for f in prom_cfg.get("rule_files", [])} != {p.name for p in rules_files(repo)}:
        problem("prometheus.yml does not load every rules file")
    for name, svc in base["services"].items():
        listen = str((svc.get("environment") or {}).get("MCNS_METRICS_LISTEN_ADDR", ""))
        if not listen:
            problem(f"compose.yaml service {name} sets no MCNS_METRICS_LISTEN_ADDR")
            continue
        target = f"{name}:{listen.rsplit(':', 1)[1]}"
        job = "mcns-control" if name == "control" else "mcns-dns"
        if target not in jobs.get(job, set()):
            problem(f"prometheus.yml job {job} does not scrape {target}")
    print(f"checked {len(alerts)} alerts, {len(boards)} dashboard(s), compose monitoring")


def main(argv):
    if len(argv) < 3 or argv[1] not in ("names", "static"):
        print(__doc__, file=sys.stderr)
        return 2
    repo = argv[2]
    if argv[1] == "names":
        args = argv[3:]
        rule_paths = rules_files(repo)
        if "--rules" in args:
            i = args.index("--rules")
            args, rule_paths = args[:i], args[i + 1:]
        if not args:
            print("names: no exposition files", file=sys.stderr)
            return 2
        check_names(repo, args, rule_paths)
    else:
        check_static(repo)
    for p in problems:
        print(f"FAIL: {p}")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
