package main

import (
	"os"
	"os/exec"
	"regexp"
	"strings"
	"testing"
)

// TestComposeFile checks docker-compose.yml describes the scaled-out
// deployment README promises: Redis with persistence, three instances that
// share it and one secret with no default, and a load balancer that passes
// websockets on. The file is small and ours, so its lines are checked as
// text; where the compose tool exists it must accept the file too.
func TestComposeFile(t *testing.T) {
	raw, err := os.ReadFile("../../docker-compose.yml")
	if err != nil {
		t.Fatal(err)
	}
	file := string(raw)
	for _, want := range []string{
		`command: ["redis-server", "--appendonly", "yes"`,
		"REDIS_URL: redis://redis:6379/0",
		"plenary1: *plenary", "plenary2: *plenary", "plenary3: *plenary",
		"server plenary1:8080", "server plenary2:8080", "server plenary3:8080",
		"Upgrade $$http_upgrade", "Host $$http_host",
	} {
		if !strings.Contains(file, want) {
			t.Errorf("docker-compose.yml lacks %q", want)
		}
	}
	// One secret for every instance (all three are the same anchor), and
	// compose refuses to start without it rather than fall back to a
	// secret everyone can read.
	secrets := regexp.MustCompile(`(?m)^\s*PLENARY_SECRET:\s*(.*)$`).FindAllStringSubmatch(file, -1)
	if len(secrets) != 1 || !strings.HasPrefix(secrets[0][1], "${PLENARY_SECRET:?") {
		t.Errorf("PLENARY_SECRET must be set once, as ${PLENARY_SECRET:?...}; found %q", secrets)
	}
	if !regexp.MustCompile(`(?m)^  lb:\n(?:    .*\n)*?    ports:\n      - "\d+:8080"`).MatchString(file) {
		t.Error("no load balancer publishing a port")
	}

	if exec.Command("docker", "compose", "version").Run() != nil {
		t.Log("docker compose is not installed here; checked the file's text only")
		return
	}
	if out, err := exec.Command("docker", "compose", "-f", "../../docker-compose.yml", "config", "-q").CombinedOutput(); err != nil {
		t.Fatalf("docker compose config: %v\n%s", err, out)
	}
}
