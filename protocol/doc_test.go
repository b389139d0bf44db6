package protocol_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/plenarytest"
	"github.com/plenary/plenary/protocol"
)

// example is one frame docs/protocol.md shows, with the side that sends
// it.
type example struct {
	line   int
	client bool
	json   string
}

// docExamples reads every frame in docs/protocol.md's JSON blocks: one per
// line, the side from the section it is in. A placeholder value {…}
// stands for an object the example leaves out.
func docExamples(t *testing.T) []example {
	t.Helper()
	doc, err := os.ReadFile("../docs/protocol.md")
	if err != nil {
		t.Fatal(err)
	}
	var out []example
	side, inJSON := "", false
	sc := bufio.NewScanner(bytes.NewReader(doc))
	for n := 1; sc.Scan(); n++ {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "#"):
			side = strings.TrimLeft(line, "# ")
		case line == "```json":
			inJSON = true
		case strings.HasPrefix(line, "```"):
			inJSON = false
		case inJSON && strings.TrimSpace(line) != "":
			var head struct {
				T string `json:"t"`
			}
			frame := strings.ReplaceAll(line, "{…}", "{}")
			if err := json.Unmarshal([]byte(frame), &head); err != nil {
				t.Errorf("docs/protocol.md:%d: not JSON: %v", n, err)
				continue
			}
			if head.T == "" {
				continue // not a frame
			}
			switch side {
			case "Client to server", "Server to client":
			default:
				t.Errorf("docs/protocol.md:%d: a frame in section %q, neither client to server nor server to client", n, side)
			}
			out = append(out, example{line: n, client: side == "Client to server", json: frame})
		}
	}
	return out
}

// TestDocFrames: every frame docs/protocol.md shows decodes with the
// declarations of its side, refusing fields they lack.
func TestDocFrames(t *testing.T) {
	examples := docExamples(t)
	if len(examples) < 10 {
		t.Fatalf("found %d frames in docs/protocol.md", len(examples))
	}
	for _, e := range examples {
		var err error
		if e.client {
			err = protocol.Strict([]byte(e.json), &protocol.ClientFrame{})
		} else {
			_, err = protocol.DecodeServer([]byte(e.json))
		}
		if err != nil {
			t.Errorf("docs/protocol.md:%d: %s: %v", e.line, e.json, err)
		}
	}
}

// TestDocConversation sends every client frame docs/protocol.md shows to
// a real server, as the doc writes it but for the board and token, and
// checks that it is answered as the doc says. Every frame the server
// sends on the way must decode strictly and carry only fields the doc's
// examples of its type show.
func TestDocConversation(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	examples := docExamples(t)
	docKeys := map[string]map[string]bool{}
	for _, e := range examples {
		if e.client {
			continue
		}
		var keys map[string]json.RawMessage
		_ = json.Unmarshal([]byte(e.json), &keys)
		var typ string
		_ = json.Unmarshal(keys["t"], &typ)
		if docKeys[typ] == nil {
			docKeys[typ] = map[string]bool{}
		}
		for k := range keys {
			docKeys[typ][k] = true
		}
	}

	srv := plenarytest.Start(t)
	id, token := createBoard(t, srv.URL)
	// Two groups, so the op example's chart g2 exists.
	fac, err := client.Dial(ctx, srv.URL, client.Hello{Board: id, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer fac.Close()
	for i, role := range []board.Role{board.CivilServant, board.CivilServant, board.CivilSociety, board.CivilSociety} {
		p, err := client.Dial(ctx, srv.URL, client.Hello{Board: id, Join: &client.Join{Name: "P" + string(rune('1'+i)), Role: role}}, client.Options{})
		if err != nil {
			t.Fatal(err)
		}
		defer p.Close()
	}
	if _, err := fac.Do(ctx, board.Op{Kind: board.GroupsForm, Size: 2}); err != nil {
		t.Fatal(err)
	}

	// The facilitator's screen (a hello with a token) takes the op and
	// the ping; the newcomer's (a hello with a join) sends the ephemeral
	// frames, which the facilitator's is passed.
	var facilitator, newcomer *rawConn
	sent := map[string]int{}
	for _, e := range examples {
		if !e.client {
			continue
		}
		var f protocol.ClientFrame
		if err := protocol.Strict([]byte(e.json), &f); err != nil {
			t.Fatalf("docs/protocol.md:%d: %v", e.line, err)
		}
		frame := strings.Replace(e.json, `"board":"`+f.Board+`"`, `"board":"`+id+`"`, 1)
		frame = strings.Replace(frame, `"token":"`+f.Token+`"`, `"token":"`+token+`"`, 1)
		sent[f.T]++
		where := func(c *rawConn) string { return "docs/protocol.md:" + itoa(e.line) + " on " + c.name }
		switch f.T {
		case "hello":
			c := dialRaw(ctx, t, srv.URL, docKeys)
			c.send(ctx, frame)
			switch {
			case f.View == protocol.ViewPresenter:
				c.name = "the presenter's screen"
			case f.Join != nil:
				c.name, newcomer = "the newcomer's screen", c
			default:
				c.name, facilitator = "the facilitator's screen", c
			}
			w := c.await(ctx, where(c), "welcome", nil).(*protocol.Welcome)
			if w.Board != id || w.You == "" || w.Token == "" {
				t.Errorf("%s: welcome %+v", where(c), w)
			}
			if want := c == facilitator; w.Facilitator != want {
				t.Errorf("%s: welcome says facilitator %v, want %v", where(c), w.Facilitator, want)
			}
			c.you = w.You
			// None of the doc's hellos holds the board: a since of
			// another epoch, or none, is answered with a snap.
			c.await(ctx, where(c), "snap", nil)
		case "op":
			c := mustHave(t, facilitator, e)
			c.send(ctx, frame)
			chg := c.await(ctx, where(c), "chg", func(v any) bool { return v.(*protocol.Chg[protocol.Entity]).Ref == f.ID }).(*protocol.Chg[protocol.Entity])
			if len(chg.Changes) == 0 || chg.Changes[0].E != "note" || chg.By == "" {
				t.Errorf("%s: op acknowledged by %+v, want the note it made, by its author", where(c), chg)
			}
		case "eph":
			c := mustHave(t, newcomer, e)
			c.send(ctx, frame)
			to := mustHave(t, facilitator, e)
			want := protocol.Eph{T: "eph", From: c.you, Kind: f.Kind, Note: f.Note, Theme: f.Theme, Chart: f.Chart, X: f.X, Y: f.Y}
			to.await(ctx, where(to), "eph", func(v any) bool { return reflect.DeepEqual(*v.(*protocol.Eph), want) })
		case "ping":
			c := mustHave(t, facilitator, e)
			c.send(ctx, frame)
			c.await(ctx, where(c), "pong", nil)
		default:
			t.Errorf("docs/protocol.md:%d: a client frame %q this test does not know how to send", e.line, f.T)
		}
	}
	for _, typ := range []string{"hello", "op", "eph", "ping"} {
		if sent[typ] == 0 {
			t.Errorf("docs/protocol.md shows no %s frame", typ)
		}
	}
}

func mustHave(t *testing.T, c *rawConn, e example) *rawConn {
	t.Helper()
	if c == nil {
		t.Fatalf("docs/protocol.md:%d: %s comes before the hello of the screen that sends it", e.line, e.json)
	}
	return c
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func createBoard(t *testing.T, url string) (id, token string) {
	t.Helper()
	resp, err := http.Post(url+"/api/boards", "application/json", strings.NewReader(`{"title":"The protocol","prompt":"Does the doc say what the server does?"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var created struct {
		ID             string `json:"id"`
		FacilitatorURL string `json:"facilitatorUrl"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&created); err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("create a board: %d, %v", resp.StatusCode, err)
	}
	_, token, _ = strings.Cut(created.FacilitatorURL, "#key=")
	return created.ID, token
}

// rawConn is a websocket that sends frames as the doc writes them and
// reads the server's, each checked against the declarations and the doc.
type rawConn struct {
	t       *testing.T
	name    string
	you     string
	ws      *websocket.Conn
	frames  chan []byte
	docKeys map[string]map[string]bool
}

func dialRaw(ctx context.Context, t *testing.T, url string, docKeys map[string]map[string]bool) *rawConn {
	t.Helper()
	ws, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(url, "http")+"/ws", &websocket.DialOptions{HTTPHeader: http.Header{"Origin": {url}}})
	if err != nil {
		t.Fatal(err)
	}
	ws.SetReadLimit(1 << 24)
	t.Cleanup(func() { ws.CloseNow() })
	c := &rawConn{t: t, ws: ws, frames: make(chan []byte, 1024), docKeys: docKeys}
	go func() {
		defer close(c.frames)
		for {
			_, msg, err := ws.Read(context.Background())
			if err != nil {
				return
			}
			for line := range bytes.SplitSeq(msg, []byte("\n")) {
				c.frames <- line
			}
		}
	}()
	return c
}

func (c *rawConn) send(ctx context.Context, frame string) {
	c.t.Helper()
	if err := c.ws.Write(ctx, websocket.MessageText, []byte(frame)); err != nil {
		c.t.Fatalf("send %s: %v", frame, err)
	}
}

// await reads frames until one of type typ that match accepts (nil: any),
// and returns it decoded.
func (c *rawConn) await(ctx context.Context, where, typ string, match func(any) bool) any {
	c.t.Helper()
	for {
		select {
		case line, ok := <-c.frames:
			if !ok {
				c.t.Fatalf("%s: the connection closed before a %s frame", where, typ)
			}
			v, err := protocol.DecodeServer(line)
			if err != nil {
				c.t.Fatalf("%s: the server sent %s: %v", where, line, err)
			}
			var keys map[string]json.RawMessage
			_ = json.Unmarshal(line, &keys)
			var got string
			_ = json.Unmarshal(keys["t"], &got)
			for k := range keys {
				if !c.docKeys[got][k] {
					c.t.Errorf("%s: the server sent a %s frame with %q, which no example of the doc shows: %s", where, got, k, line)
				}
			}
			if got == typ && (match == nil || match(v)) {
				return v
			}
		case <-ctx.Done():
			c.t.Fatalf("%s: no %s frame", where, typ)
		}
	}
}
