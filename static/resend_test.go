package static_test

import (
	"context"
	"encoding/json"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
)

// TestOpIdsAcrossReloads: an op's id is its idempotency key, so the page
// keeps the ops not yet answered, with their ids, through a reload and
// sends them then; and it never gives a new op an id it gave before the
// reload, which the server would answer with the old op's outcome.
func TestOpIdsAcrossReloads(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	srv := startServer(t)
	p, code, token := facilitatorPage(t, srv.URL, "reloads")
	p.press(".cluster .new-theme")
	p.waitFor("the first theme", `document.querySelectorAll('.cluster section.theme').length === 1`)

	// As the page left them when it went away: an op the server applied
	// but whose answer was lost, and one it never got.
	ctx, cancel := context.WithTimeout(context.Background(), waitTimeout)
	defer cancel()
	room, err := client.Dial(ctx, srv.URL, client.Hello{Board: code, Token: token}, client.Options{})
	if err != nil {
		t.Fatal(err)
	}
	defer room.Close()
	at := 0.3
	applied := board.Op{Kind: board.ThemeCreate, Name: "Applied, answer lost", X: &at, Y: &at}
	unsent := board.Op{Kind: board.ThemeCreate, Name: "Never sent", X: &at, Y: &at}
	if _, err := room.DoAs(ctx, "x1", applied); err != nil {
		t.Fatal(err)
	}
	outbox := []map[string]string{{"id": "x1", "text": opText(t, "x1", applied)}, {"id": "x2", "text": opText(t, "x2", unsent)}}
	eval[any](p, `localStorage.setItem('plenary:outbox:`+code+`', `+js(string(mustJSON(t, outbox)))+`)`)

	p.do(chromedp.Reload())
	p.waitFor("connected after the reload", `document.querySelector('.conn')?.dataset.state === 'connected'`)
	p.waitFor("the op left behind, sent", `document.querySelectorAll('.cluster section.theme').length === 3`)
	p.press(".cluster .new-theme")
	p.waitFor("the theme made after the reload", `document.querySelectorAll('.cluster section.theme').length === 4`)
	p.waitFor("nothing left to send", `localStorage.getItem('plenary:outbox:`+code+`') === null`)

	// The room agrees: four themes, the one applied before only once.
	if f, err := room.Do(ctx, board.Op{Kind: board.BoardEdit, Title: "After the reload", Prompt: "What could we do together?"}); err != nil {
		t.Fatalf("an op from the room: %+v, %v", f, err)
	}
	names := map[string]int{}
	for _, raw := range room.Replica()["theme"] {
		var th board.Theme
		if err := json.Unmarshal(raw, &th); err != nil {
			t.Fatal(err)
		}
		names[th.Name]++
	}
	if len(room.Replica()["theme"]) != 4 || names[applied.Name] != 1 || names[unsent.Name] != 1 {
		t.Fatalf("the board's themes are %v; want four, each op once", names)
	}
	p.checkNoExceptions()
}

func opText(t *testing.T, id string, op board.Op) string {
	return string(mustJSON(t, map[string]any{"t": "op", "id": id, "op": op}))
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
