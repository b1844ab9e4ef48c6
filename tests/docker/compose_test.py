#!/usr/bin/env python3
"""The Docker files checked without a Docker engine: docker/docker-compose.yml
parsed as YAML and docker/Dockerfile read line by line, against what Convene
really reads (config/convene.ini, whose keys tests/unit/config_test.cpp keeps
equal to src/config/config_schema.cpp) and against each other: services,
profiles, ports, CONVENE_* names, secrets only from .env, coturn's shared
secret and ports wired to Convene's [ice] settings, a lean non-root image."""

import configparser
import os
import re
import unittest

import yaml

ROOT = os.environ.get("CONVENE_SOURCE_DIR") or os.path.join(os.path.dirname(__file__), "..", "..")
DOCKER = os.path.join(ROOT, "docker")


def read(*parts):
    with open(os.path.join(ROOT, *parts), encoding="utf-8") as f:
        return f.read()


def config_env_names():
    """CONVENE_<SECTION>_<KEY> for every key config/convene.ini documents."""
    ini = configparser.RawConfigParser(interpolation=None, inline_comment_prefixes=None)
    ini.optionxform = str
    ini.read_string(read("config", "convene.ini"))
    return {f"CONVENE_{s.upper()}_{k.upper()}" for s in ini.sections() for k in ini[s]}, set(ini.sections())


def env_refs(text):
    """Names of ${VAR}, ${VAR:-x}, ${VAR:?x} in compose text."""
    return set(re.findall(r"\$\{([A-Za-z_][A-Za-z0-9_]*)", text))


def dockerfile_stages():
    """[(name, [instruction lines])] with continuation lines joined."""
    stages, current = [], None
    logical = re.sub(r"\\\n", " ", read("docker", "Dockerfile"))
    for line in logical.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        if line.upper().startswith("FROM "):
            m = re.match(r"FROM\s+(\S+)(?:\s+AS\s+(\S+))?", line, re.I)
            current = (m.group(2) or m.group(1), [])
            stages.append(current)
        elif current:
            current[1].append(line)
    return stages


def dockerfile_env(lines):
    env = {}
    for line in lines:
        if line.startswith("ENV "):
            for k, v in re.findall(r"(\w+)=(\S+)", line):
                env[k] = v
    return env


def port_range(text):
    lo, _, hi = text.partition("-")
    return int(lo), int(hi or lo)


class Compose(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.text = read("docker", "docker-compose.yml")
        cls.compose = yaml.safe_load(cls.text)
        cls.services = cls.compose["services"]
        cls.env_names, cls.sections = config_env_names()

    def env(self, service):
        e = self.services[service].get("environment", {})
        return e if isinstance(e, dict) else dict(item.split("=", 1) for item in e)

    def test_services_and_profiles(self):
        self.assertEqual(set(self.services), {"convene", "postgres", "coturn", "prometheus", "grafana"})
        for name in ("convene", "postgres", "coturn"):
            self.assertNotIn("profiles", self.services[name], name + " runs by default")
        for name in ("prometheus", "grafana"):
            self.assertEqual(self.services[name].get("profiles"), ["monitoring"], name)
        self.assertEqual(self.services["convene"]["build"], {"context": "..", "dockerfile": "docker/Dockerfile"})
        self.assertEqual(self.services["convene"]["depends_on"]["postgres"]["condition"], "service_healthy")

    def test_convene_environment_names_are_config_keys(self):
        names = set(self.env("convene"))
        self.assertTrue(names, "convene has an environment")
        for name in sorted(names):
            if name.startswith("CONVENE_METRICS_") and "metrics" not in self.sections:
                continue  # [metrics] comes with the /metrics endpoint (issue #18, another branch)
            self.assertIn(name, self.env_names, f"{name} is no key of config/convene.ini")

    def test_every_secret_comes_from_the_env_file(self):
        example = read("docker", ".env.example")
        declared = set(re.findall(r"^([A-Z_][A-Z0-9_]*)=", example, re.M))
        used = env_refs(self.text)
        self.assertEqual(used - declared, set(), "variables used but not in .env.example")
        self.assertEqual(declared - used, set(), ".env.example entries nobody uses")
        secret = re.compile(r"(PASSWORD|SECRET|TOKEN)$")
        for service in self.services:
            for name, value in self.env(service).items():
                if secret.search(name):
                    self.assertRegex(str(value), r"^\$\{[A-Z_0-9]+:\?", f"{service}: {name} must be a required .env value")
        self.assertIn("postgresql://convene:${POSTGRES_PASSWORD", self.env("convene")["CONVENE_DATABASE_URL"])
        self.assertIn("/docker/.env", read(".gitignore").split())

    def test_coturn_shares_convenes_turn_secret_and_ports(self):
        args = self.services["coturn"]["command"]
        opts = dict(a.lstrip("-").split("=", 1) if "=" in a else (a.lstrip("-"), True) for a in args)
        self.assertIs(opts.get("use-auth-secret"), True)
        turn_var = env_refs(opts["static-auth-secret"])
        self.assertEqual(turn_var, env_refs(self.env("convene")["CONVENE_ICE_TURN_SECRET"]))
        listening = opts["listening-port"]
        for url in self.env("convene")["CONVENE_ICE_TURN_URLS"].split(","):
            self.assertRegex(url, r"^turns?:\$\{PUBLIC_HOST\}:" + listening + r"\?transport=(udp|tcp)$")
        relay = (int(opts["min-port"]), int(opts["max-port"]))
        media = (int(self.env("convene")["CONVENE_MEDIA_MIN_PORT"]), int(self.env("convene")["CONVENE_MEDIA_MAX_PORT"]))
        self.assertTrue(relay[1] < media[0] or media[1] < relay[0], f"relay {relay} overlaps media {media}")
        for port in (listening, *map(str, relay), *map(str, media)):
            self.assertIn(port, self.text.split("name:")[0], f"port {port} documented in the header")

    def test_ports_agree_with_the_image(self):
        runtime = dockerfile_stages()[-1][1]
        image_env = dockerfile_env(runtime)
        env = self.env("convene")
        self.assertEqual(env["CONVENE_SERVER_PORT"], image_env["CONVENE_SERVER_PORT"])
        self.assertEqual(env["CONVENE_MEDIA_MIN_PORT"], image_env["CONVENE_MEDIA_MIN_PORT"])
        self.assertEqual(env["CONVENE_MEDIA_MAX_PORT"], image_env["CONVENE_MEDIA_MAX_PORT"])
        expose = next(l for l in runtime if l.startswith("EXPOSE ")).split()[1:]
        self.assertIn(image_env["CONVENE_SERVER_PORT"] + "/tcp", expose)
        self.assertIn(f"{image_env['CONVENE_MEDIA_MIN_PORT']}-{image_env['CONVENE_MEDIA_MAX_PORT']}/udp", expose)
        # Host networking for the media server: a published port list would be ignored.
        self.assertEqual(self.services["convene"]["network_mode"], "host")
        self.assertNotIn("ports", self.services["convene"])
        self.assertEqual(self.services["postgres"]["ports"], ["127.0.0.1:5432:5432"])
        self.assertIn("@127.0.0.1:5432/", env["CONVENE_DATABASE_URL"])

    def test_monitoring_mounts_the_dashboard_and_prometheus_config(self):
        prom = self.services["prometheus"]
        self.assertIn("./prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro", prom["volumes"])
        self.assertEqual(prom["secrets"], ["metrics_token"])
        self.assertEqual(self.compose["secrets"]["metrics_token"], {"environment": "CONVENE_METRICS_TOKEN"})
        graf = self.services["grafana"]
        self.assertIn("./grafana/convene-dashboard.json:/var/lib/grafana/dashboards/convene-dashboard.json:ro",
                      graf["volumes"])
        self.assertIn("./grafana/provisioning:/etc/grafana/provisioning:ro", graf["volumes"])
        ds = yaml.safe_load(read("docker", "grafana", "provisioning", "datasources", "prometheus.yml"))
        self.assertEqual(ds["datasources"][0]["url"], "http://127.0.0.1:9090")
        self.assertIn("--web.listen-address=127.0.0.1:9090", prom["command"])
        dash = yaml.safe_load(read("docker", "grafana", "provisioning", "dashboards", "convene.yml"))
        self.assertEqual(dash["providers"][0]["options"]["path"], "/var/lib/grafana/dashboards")


class Dockerfile(unittest.TestCase):
    def test_stages_build_the_client_and_the_server_with_the_shared_scripts(self):
        stages = dict(dockerfile_stages())
        self.assertEqual(list(stages), ["client", "build", "debian:12-slim"])
        self.assertIn("RUN docker/build-client.sh --prefer-offline", stages["client"])
        self.assertIn("RUN docker/build-server.sh /build /install", stages["build"])
        client = read("docker", "build-client.sh")
        self.assertRegex(client, r"npm ci\b")
        self.assertIn("npm run build", client)
        self.assertIn("-Dtests=false", read("docker", "build-server.sh"))

    def test_runtime_is_lean_non_root_with_a_healthcheck(self):
        runtime = dockerfile_stages()[-1][1]
        apt = next(l for l in runtime if "apt-get install" in l)
        packages = re.findall(r"\s([a-z0-9][a-z0-9.+-]+)", apt.split("--no-install-recommends", 1)[1].split("&&")[0])
        self.assertTrue(packages)
        for p in packages:
            self.assertFalse(p.endswith("-dev"), p)
            self.assertNotIn(p, {"build-essential", "meson", "ninja-build", "nodejs", "npm", "gcc", "g++"})
        copies = [l for l in runtime if l.startswith("COPY --from=")]
        self.assertIn("COPY --from=client /src/web/dist/ /usr/share/convene/web/", copies)
        self.assertEqual(len(copies), 2, "only the installed server and web/dist reach the image")
        user = [l for l in runtime if l.startswith("USER ")]
        self.assertEqual(len(user), 1)
        self.assertNotIn(user[0].split()[1], ("root", "0"))
        self.assertTrue(any(l.startswith("HEALTHCHECK ") and "/health" in l for l in runtime))
        env = dockerfile_env(runtime)
        self.assertEqual(env["CONVENE_SERVER_STATIC_DIR"], "/usr/share/convene/web")
        names, _ = config_env_names()
        for name in env:
            self.assertIn(name, names, f"Dockerfile ENV {name} is no config key")

    def test_build_context_leaves_out_local_builds(self):
        ignore = read(".dockerignore").split()
        for entry in ("web/node_modules/", "web/dist/", "build*/", ".git", "docker/.env"):
            self.assertIn(entry, ignore)


if __name__ == "__main__":
    unittest.main(verbosity=2)
