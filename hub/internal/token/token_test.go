package token

import (
	"testing"
	"time"
)

func TestTokens(t *testing.T) {
	tk := Signer{Secret: []byte("0123456789abcdef")}
	now := timeAt(0)
	tok := tk.Issue("K7P2QX", "p4", now)
	if p, err := tk.Open(tok, "K7P2QX", now); err != nil || p != "p4" {
		t.Fatalf("open own token: %q, %v", p, err)
	}
	cases := map[string]struct {
		token, board string
		at           int
	}{
		"another board": {tok, "ZZZZZZ", 0},
		"expired":       {tok, "K7P2QX", 31 * 24},
		"other secret":  {Signer{Secret: []byte("fedcba9876543210")}.Issue("K7P2QX", "p4", now), "K7P2QX", 0},
		"tampered":      {tok[:5] + "x" + tok[6:], "K7P2QX", 0},
		"no signature":  {"abc", "K7P2QX", 0},
		"garbage":       {"!!!.???", "K7P2QX", 0},
		"empty":         {"", "K7P2QX", 0},
		"absurdly long": {string(make([]byte, 1000)), "K7P2QX", 0},
	}
	for name, c := range cases {
		if p, err := tk.Open(c.token, c.board, timeAt(c.at)); err == nil {
			t.Errorf("%s: token opened as %q", name, p)
		}
	}
}

func timeAt(hours int) time.Time {
	return time.Date(2026, 11, 28, 9, 0, 0, 0, time.UTC).Add(time.Duration(hours) * time.Hour)
}

// TestPresenterKey: a presenter key is an ordinary token naming Presenter,
// for its own board only.
func TestPresenterKey(t *testing.T) {
	tk := Signer{Secret: []byte("0123456789abcdef")}
	key := tk.Issue("K7P2QX", Presenter, timeAt(0))
	if p, err := tk.Open(key, "K7P2QX", timeAt(0)); err != nil || p != Presenter {
		t.Fatalf("open a presenter key: %q, %v", p, err)
	}
	if p, err := tk.Open(key, "ZZZZZZ", timeAt(0)); err == nil {
		t.Fatalf("a presenter key opened another board as %q", p)
	}
}
