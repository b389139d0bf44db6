package main

import (
	"strings"
	"testing"
)

// TestSecretRules: on Redis the server does not start without a secret,
// and never with one short enough to guess; on the embedded store it
// generates one and keeps it.
func TestSecretRules(t *testing.T) {
	data := t.TempDir()
	long := strings.Repeat("k", minSecret)
	for _, c := range []struct {
		name string
		cfg  config
		ok   bool
	}{
		{"redis without a secret", config{data: data, redisURL: "redis://localhost:6379/0"}, false},
		{"redis with a short secret", config{data: data, redisURL: "redis://localhost:6379/0", secret: long[1:]}, false},
		{"embedded with a short secret", config{data: data, secret: "sixteen chars ok"}, false},
		{"redis with a long secret", config{data: data, redisURL: "redis://localhost:6379/0", secret: long}, true},
		{"embedded without a secret", config{data: data}, true},
	} {
		secret, err := loadSecret(c.cfg)
		switch {
		case c.ok && err != nil:
			t.Errorf("%s: %v", c.name, err)
		case c.ok && len(secret) < minSecret:
			t.Errorf("%s: a secret of %d bytes", c.name, len(secret))
		case !c.ok && err == nil:
			t.Errorf("%s: started with %q", c.name, secret)
		case !c.ok && !strings.Contains(err.Error(), "PLENARY_SECRET"):
			t.Errorf("%s: the refusal %q does not say what to set", c.name, err)
		}
	}
	first, _ := loadSecret(config{data: data})
	if again, _ := loadSecret(config{data: data}); string(again) != string(first) {
		t.Error("the generated secret changed across a restart")
	}
}
