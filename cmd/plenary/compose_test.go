package main

import (
	"os"
	"os/exec"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"
)

// TestComposeFile checks docker-compose.yml describes the scaled-out
// deployment README promises: Redis with persistence, three instances that
// share it and one secret, and a load balancer that passes websockets on.
// Where the compose tool exists it must accept the file too.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Command     []string          `yaml:"command"`
			Environment map[string]string `yaml:"environment"`
			Ports       []string          `yaml:"ports"`
		} `yaml:"services"`
		Configs map[string]struct {
			Content string `yaml:"content"`
		} `yaml:"configs"`
	}
	if err := yaml.Unmarshal(raw, &compose); err != nil {
		t.Fatalf("docker-compose.yml is not valid YAML: %v", err)
	}
	redis, ok := compose.Services["redis"]
	if !ok || !strings.Contains(strings.Join(redis.Command, " "), "--appendonly yes") {
		t.Errorf("redis service missing or without append-only persistence: %+v", redis)
	}
	secrets := map[string]bool{}
	for _, name := range []string{"plenary1", "plenary2", "plenary3"} {
		svc, ok := compose.Services[name]
		if !ok {
			t.Fatalf("no %s service", name)
		}
		if !strings.HasPrefix(svc.Environment["REDIS_URL"], "redis://redis:") {
			t.Errorf("%s does not use the redis service: %q", name, svc.Environment["REDIS_URL"])
		}
		secrets[svc.Environment["PLENARY_SECRET"]] = true
	}
	if len(secrets) != 1 {
		t.Errorf("the instances sign tokens with %d different secrets; a reconnect to another instance would fail", len(secrets))
	}
	for secret := range secrets {
		if !strings.HasPrefix(secret, "${PLENARY_SECRET:?") {
			t.Errorf("PLENARY_SECRET is %q: compose must refuse to start without one, not fall back to a secret everyone can read", secret)
		}
	}
	lb, ok := compose.Services["lb"]
	if !ok || len(lb.Ports) == 0 {
		t.Fatalf("no load balancer publishing a port: %+v", lb)
	}
	conf := compose.Configs["nginx"].Content
	for _, want := range []string{"server plenary1:8080", "server plenary2:8080", "server plenary3:8080", "Upgrade $$http_upgrade", "Host $$http_host"} {
		if !strings.Contains(conf, want) {
			t.Errorf("nginx config lacks %q", want)
		}
	}

	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Log("docker compose is not installed here; checked the file by parsing it only")
		return
	}
	if out, err := exec.Command("docker", "compose", "-f", "../../docker-compose.yml", "config", "-q").CombinedOutput(); err != nil {
		t.Fatalf("docker compose config: %v\n%s", err, out)
	}
}
