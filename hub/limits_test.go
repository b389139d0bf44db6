package hub_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/protocol"
)

// TestReconnectingKeepsTheOpLimit: the op limit is the participant's, not
// the connection's. A participant who reconnects ten times, each time
// sending a burst of ops, gets no more applied than one connection would
// have over the same time.
func TestReconnectingKeepsTheOpLimit(t *testing.T) {
	const perSecond = 2 // bursts of 4
	ts := startServer(t, func(c *plenarytest.Config) { c.Hub.OpsPerSecond = perSecond })
	b := ts.create("Limits", "")
	ts.facilitator(b)
	ana := ts.join(b, "Ana", board.CivilServant)
	token, ctx := ana.Token, ctxT(t)

	start := time.Now()
	applied, limited := 0, 0
	for i := range 10 {
		if i > 0 {
			seq := ana.Seq()
			_ = ana.Close()
			ana = ts.dial(client.Hello{Board: b.ID, Token: token, Since: seq})
		}
		var wg sync.WaitGroup
		var mu sync.Mutex
		for j := range 8 {
			ref, ch, err := ana.Start(ctx, board.Op{Kind: board.ParticipantRename, Name: "Ana " + strconv.Itoa(i*8+j)})
			if err != nil {
				t.Fatal(err)
			}
			wg.Go(func() {
				_, err := ana.Wait(ctx, ref, ch)
				var be *board.Error
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					applied++
				case errors.As(err, &be) && be.Code == protocol.CodeRateLimited:
					limited++
				default:
					t.Errorf("op %d.%d: %v", i, j, err)
				}
			})
		}
		wg.Wait()
	}
	// What one connection may send: its burst, then perSecond a second.
	allowed := 2*perSecond + int(time.Since(start).Seconds()*perSecond) + 1
	t.Logf("%d ops applied and %d refused over ten connections in %v; one connection may send %d", applied, limited, time.Since(start).Round(time.Millisecond), allowed)
	if applied > allowed {
		t.Errorf("reconnecting let %d ops through, want at most %d", applied, allowed)
	}
}

// TestAddressLimits: one client address may create only so many boards
// and look up only so many join codes that do not exist; then it is
// answered 429 with Retry-After and the usual {code, msg}. Behind a load
// balancer the address is the one in the configured header, and another
// address is not held back.
func TestAddressLimits(t *testing.T) {
	ts := startServer(t, func(c *plenarytest.Config) {
		c.API.BoardsPerMinute = 3
		c.API.ClientAddressHeader = "X-Forwarded-For"
	})
	from := func(t *testing.T, addr, method, path, body string) (*http.Response, []byte) {
		t.Helper()
		req, err := http.NewRequest(method, ts.url+path, strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("X-Forwarded-For", addr)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out, err := io.ReadAll(resp.Body)
		if err != nil {
			t.Fatal(err)
		}
		return resp, out
	}
	want429 := func(t *testing.T, resp *http.Response, body []byte, what string) {
		t.Helper()
		var e struct{ Code, Msg string }
		if resp.StatusCode != http.StatusTooManyRequests || json.Unmarshal(body, &e) != nil || e.Code != protocol.CodeRateLimited || e.Msg == "" {
			t.Fatalf("%s: %d %s, want 429 rate_limited", what, resp.StatusCode, body)
		}
		if wait, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || wait < 1 {
			t.Fatalf("%s: Retry-After %q", what, resp.Header.Get("Retry-After"))
		}
	}

	t.Run("creating boards", func(t *testing.T) {
		var code string
		for i := range 3 {
			resp, body := from(t, "203.0.113.7", http.MethodPost, "/api/boards", `{"title":"Mine"}`)
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("board %d: %d %s", i+1, resp.StatusCode, body)
			}
			var c created
			_ = json.Unmarshal(body, &c)
			code = c.ID
		}
		resp, body := from(t, "203.0.113.7", http.MethodPost, "/api/boards", `{"title":"One more"}`)
		want429(t, resp, body, "a fourth board from one address")
		if resp, body := from(t, "198.51.100.9", http.MethodPost, "/api/boards", `{"title":"Elsewhere"}`); resp.StatusCode != http.StatusCreated {
			t.Fatalf("another address: %d %s", resp.StatusCode, body)
		}
		// Joining a board is not creating one.
		if resp, body := from(t, "203.0.113.7", http.MethodGet, "/api/boards/"+code, ""); resp.StatusCode != http.StatusOK {
			t.Fatalf("looking up a board that exists: %d %s", resp.StatusCode, body)
		}
	})

	t.Run("looking up join codes", func(t *testing.T) {
		b := ts.create("Known", "")
		for i := range 40 {
			resp, body := from(t, "192.0.2.44", http.MethodGet, "/api/boards/ZZZZ"+string(idAlphabet[i/30])+string(idAlphabet[i%30]), "")
			if resp.StatusCode == http.StatusTooManyRequests {
				want429(t, resp, body, "guessing join codes")
				// Guessing right now does not help.
				resp, body = from(t, "192.0.2.44", http.MethodGet, "/api/boards/"+b.ID, "")
				want429(t, resp, body, "a guesser looking up a board that exists")
				// Anyone else still finds it.
				if resp, body := from(t, "198.51.100.9", http.MethodGet, "/api/boards/"+b.ID, ""); resp.StatusCode != http.StatusOK {
					t.Fatalf("another address: %d %s", resp.StatusCode, body)
				}
				return
			}
			if resp.StatusCode != http.StatusNotFound {
				t.Fatalf("guess %d: %d %s", i, resp.StatusCode, body)
			}
		}
		t.Fatal("40 unknown join codes from one address and never a 429")
	})
}

// TestGuessingOverTheWebsocket: a hello naming a board that does not exist
// is a lookup too; past the limit the upgrade itself is answered 429.
func TestGuessingOverTheWebsocket(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Known", "")
	ctx := ctxT(t)
	for i := 0; ; i++ {
		dctx, cancel := context.WithTimeout(ctx, 30*time.Second)
		_, err := client.Dial(dctx, ts.url, client.Hello{Board: "ZZZZ" + string(idAlphabet[i/30]) + string(idAlphabet[i%30]), Join: &client.Join{Name: "Guess", Role: board.CivilServant}}, client.Options{})
		cancel()
		var be *board.Error
		switch {
		case errors.As(err, &be) && be.Code == protocol.CodeNoBoard:
		case err != nil && strings.Contains(err.Error(), "429"):
			if i < 10 {
				t.Fatalf("refused after %d guesses", i)
			}
			if _, err := client.Dial(ctx, ts.url, client.Hello{Board: b.ID, Token: b.facilitatorToken()}, client.Options{}); err == nil || !strings.Contains(err.Error(), "429") {
				t.Fatalf("after guessing, a hello to a board that exists: %v, want 429", err)
			}
			return
		default:
			t.Fatalf("guess %d: %v", i, err)
		}
		if i == 60 {
			t.Fatal("60 unknown join codes over the websocket and never a 429")
		}
	}
}

const idAlphabet = "23456789ABCDEFGHJKMNPQRSTVWXYZ"
