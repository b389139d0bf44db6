package hub_test

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/api"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
)

// TestPingIsAnswered: a ping after the hello is answered with a pong, on
// a connection that goes on as before.
func TestPingIsAnswered(t *testing.T) {
	ts := startServer(t)
	b := ts.create("Pings", "Is the link alive?")
	c, frames := ts.dialRecording(client.Hello{Board: b.ID, Token: b.facilitatorToken()})
	ctx := ctxT(t)
	if err := c.Send(ctx, []byte(`{"t":"ping"}`)); err != nil {
		t.Fatal(err)
	}
	if !waitFor(func() bool { return slices.ContainsFunc(frames(), func(f client.Frame) bool { return f.T == "pong" }) }) {
		t.Fatalf("no pong; frames: %+v", frames())
	}
	do(t, c, board.Op{Kind: board.BoardEdit, Title: "Still here", Prompt: "Is the link alive?"})
}

// TestAppConfig: the web app's bounds are the board's own, and join links
// name the public URL when one is set, else the address asked.
func TestAppConfig(t *testing.T) {
	var config struct {
		PublicURL string         `json:"publicUrl"`
		Limits    map[string]int `json:"limits"`
		Colors    []board.Color  `json:"colors"`
	}
	read := func(ts *testServer) {
		t.Helper()
		resp, body := ts.get("/api/config", "")
		if resp.StatusCode != http.StatusOK || json.Unmarshal(body, &config) != nil {
			t.Fatalf("config: %d %s", resp.StatusCode, body)
		}
	}

	ts := startServer(t)
	read(ts)
	want := map[string]int{
		"title": board.MaxTitle, "prompt": board.MaxPrompt, "name": board.MaxName, "noteText": board.MaxNoteText,
		"themeName": board.MaxThemeName, "discussText": board.MaxDiscussText, "passcode": board.MaxPasscode,
		"votes": board.MaxVotes, "minGroupSize": board.MinGroupSize, "maxGroupSize": board.MaxGroupSize,
		"timerSeconds": board.MaxTimerSeconds, "ephemeralPerSecond": 20,
	}
	for k, v := range want {
		if config.Limits[k] != v {
			t.Errorf("limit %s is %d, want %d", k, config.Limits[k], v)
		}
	}
	if !slices.Equal(config.Colors, board.Colors) || config.PublicURL != ts.url {
		t.Errorf("colors %v and public URL %q, want %v and %q", config.Colors, config.PublicURL, board.Colors, ts.url)
	}

	const public = "https://plenary.example.org"
	pub := startServer(t, func(c *plenarytest.Config) { c.API.PublicURL = public + "/" })
	read(pub)
	b := pub.create("Anywhere", "Who can join?")
	if config.PublicURL != public || b.JoinURL != public+"/j/"+b.ID || !strings.HasPrefix(b.FacilitatorURL, public+"/b/"+b.ID+"#key=") {
		t.Fatalf("with a public URL: config names %q, the links are %q and %q", config.PublicURL, b.JoinURL, b.FacilitatorURL)
	}
	// A proxy in front passes the public host's pages their websocket.
	if _, err := client.Dial(ctxT(t), pub.url, client.Hello{Board: b.ID, Token: b.facilitatorToken()}, client.Options{Origin: public}); err != nil {
		t.Fatalf("a websocket from the public URL's pages: %v", err)
	}

	for _, bad := range []string{"plenary.example.org", "ftp://plenary.example.org", "https://plenary.example.org/workshops", "https://"} {
		if _, err := api.New(ts.hub, api.Config{PublicURL: bad}); err == nil {
			t.Errorf("public URL %q was taken", bad)
		}
	}
}
