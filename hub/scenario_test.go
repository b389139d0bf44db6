package hub_test

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"net/http"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/hub/client"
	"github.com/plenary/plenary/internal/workshoptest"
)

// themesOf is how the plenary clumps the scenario's ideas: theme name →
// words that put an idea in it. Ideas matching none stay unclustered.
var themesOf = []struct{ name, words string }{
	{"Reach the remote villages", "remote|rural|transport|travel|mobile clinic|evening"},
	{"One door for every service", "intake|referral|help desk|one-stop|documents|forms"},
	{"Speak people's languages", "translate|plain-language|radio|text message|youth ambassadors"},
	{"Learn together", "training|mentoring|story bank|joint field|service learning"},
	{"Run the community of practice", "chair|code of conduct|quarterly|fund|indicators"},
}

func themeFor(idea string) int {
	low := strings.ToLower(idea)
	for i, th := range themesOf {
		for _, w := range strings.Split(th.words, "|") {
			if strings.Contains(low, w) {
				return i
			}
		}
	}
	return -1
}

// TestScenarioWorkshop plays the Community of Practice inception workshop
// end to end over real websockets: the room joins, groups are formed and
// balanced, every idea goes on a group's flip chart, the charts are shared,
// the plenary clusters them into themes, dot-votes a top three and records
// what is possible; the exports hold it all, and every screen ends up with
// exactly the board a fresh replay of the log gives.
func TestScenarioWorkshop(t *testing.T) {
	playScenario(t, startServer(t))
}

// playScenario plays the workshop with the facilitator on the first
// server and the participants spread over all of them in turn.
func playScenario(t *testing.T, servers ...*testServer) {
	sc := workshoptest.Load()
	ts := servers[0]
	b := ts.create(sc.Title, sc.Prompt)
	fac := ts.facilitator(b)
	if !fac.Facilitator {
		t.Fatal("the facilitator link did not open the board as facilitator")
	}

	var people []*client.Client
	for _, p := range sc.Participants {
		if p.Role == board.RoleFacilitator {
			continue
		}
		people = append(people, servers[len(people)%len(servers)].join(b, p.Name, p.Role))
	}
	everyone := append([]*client.Client{fac}, people...)

	// Brainstorm: balanced breakout groups.
	do(t, fac, board.Op{Kind: board.GroupsForm, Size: sc.GroupSize})
	st := replay(t, ts.log, b.ID)
	checkBalanced(t, st)
	groupOf := map[string]string{}
	for _, c := range people {
		var p board.Participant
		if err := c.WaitSeq(ctxT(t), st.Seq); err != nil {
			t.Fatal(err)
		}
		if !c.Get("participant", c.You, &p) || p.Group == "" {
			t.Fatalf("%s does not see their own group", c.You)
		}
		groupOf[c.You] = p.Group
	}

	// Every idea on its author's group chart; a note on another group's
	// chart is refused.
	noteOf := map[string]string{} // idea → note id
	for i, idea := range sc.Ideas {
		author := people[i%len(people)]
		x, y := float64(i%5)/5, float64(i/5)/8
		f := do(t, author, board.Op{Kind: board.NoteAdd, Chart: groupOf[author.You], Text: idea, X: &x, Y: &y})
		noteOf[idea] = noteID(t, f)
	}
	var other string
	for _, g := range groupOf {
		if g != groupOf[people[0].You] {
			other = g
		}
	}
	half := 0.5
	refused(t, people[0], board.Op{Kind: board.NoteAdd, Chart: other, Text: "not my chart", X: &half, Y: &half}, board.CodeNotYourChart)
	refused(t, people[0], board.Op{Kind: board.PhaseSet, Phase: board.Share}, board.CodeForbidden)

	// Share: everyone sees every chart.
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Share})
	for _, c := range everyone {
		if err := c.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil {
			t.Fatal(err)
		}
		if n := len(c.Replica()["note"]); n != len(sc.Ideas) {
			t.Fatalf("%s sees %d notes in share, want %d", c.You, n, len(sc.Ideas))
		}
	}

	// Cluster: the first note of each theme is dropped on the second to
	// make the theme; the rest are dragged in.
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Cluster})
	themeID := make([]string, len(themesOf))
	members := make([][]string, len(themesOf))
	for _, idea := range sc.Ideas {
		if i := themeFor(idea); i >= 0 {
			members[i] = append(members[i], noteOf[idea])
		}
	}
	for i, th := range themesOf {
		if len(members[i]) < 2 {
			t.Fatalf("theme %q gathers %d ideas; the scenario needs at least 2", th.name, len(members[i]))
		}
		dragger := people[i%len(people)]
		x, y := float64(i)/float64(len(themesOf)), 0.5
		f := do(t, dragger, board.Op{Kind: board.ThemeCreate, Notes: members[i][:2], X: &x, Y: &y})
		themeID[i] = entityID(t, f, "theme")
		do(t, people[(i+1)%len(people)], board.Op{Kind: board.ThemeRename, Theme: themeID[i], Name: th.name})
		for _, n := range members[i][2:] {
			do(t, people[(i+2)%len(people)], board.Op{Kind: board.NoteTheme, Note: n, Theme: themeID[i]})
		}
	}

	// Vote: each participant spends their three dots, two on the themes
	// meant to win (17 or 18 dots each) and one on one of two others (13
	// each), so the top three is known.
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	wantTop := []string{themeID[0], themeID[1], themeID[3]}
	for i, c := range people {
		picks := []string{wantTop[i%3], wantTop[(i+1)%3], themeID[2]}
		if i%2 == 0 {
			picks[2] = themeID[4]
		}
		for _, item := range picks {
			do(t, c, board.Op{Kind: board.VoteCast, Item: item})
		}
		if i == 0 {
			refused(t, c, board.Op{Kind: board.VoteCast, Item: themeID[4]}, board.CodeVoteBudget)
			do(t, c, board.Op{Kind: board.VoteRetract, Item: picks[2]})
			do(t, c, board.Op{Kind: board.VoteCast, Item: picks[2]})
		}
	}
	refused(t, fac, board.Op{Kind: board.VoteCast, Item: themeID[0]}, board.CodeForbidden)
	var ranking board.Ranking
	if err := fac.WaitSeq(ctxT(t), replay(t, ts.log, b.ID).Seq); err != nil {
		t.Fatal(err)
	}
	if !fac.Get("ranking", "ranking", &ranking) {
		t.Fatal("the plenary screen shows no ranking")
	}
	if got := slices.Sorted(slices.Values(ranking.Top)); !slices.Equal(got, slices.Sorted(slices.Values(wantTop))) {
		t.Fatalf("top three = %v, want %v", ranking.Top, wantTop)
	}
	var tally board.Tally
	if !people[5].Get("tally", themeID[0], &tally) || tally.Votes == 0 || tally.CivilServant+tally.CivilSociety != tally.Votes {
		t.Fatalf("a participant sees tally %+v for %q", tally, themesOf[0].name)
	}

	// Discuss: what is possible and how, for each of the top three.
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Discuss})
	for i, item := range wantTop {
		c := people[i]
		do(t, c, board.Op{Kind: board.DiscussSet, Item: item, Field: "possible", Text: fmt.Sprintf("Possible for %s", themesOf[i].name)})
		do(t, c, board.Op{Kind: board.DiscussSet, Item: item, Field: "how", Text: "Start with two districts"})
		do(t, c, board.Op{Kind: board.DiscussSet, Item: item, Field: "owner", Text: sc.Participants[i+1].Name})
		do(t, c, board.Op{Kind: board.DiscussSet, Item: item, Field: "next", Text: "Meet again in a month"})
	}

	// Exports: the community's shared record.
	resp, md := ts.get("/api/boards/"+b.ID+"/export.md", fac.Token)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("export.md: %d %s", resp.StatusCode, md)
	}
	for _, want := range []string{sc.Title, sc.Prompt, themesOf[0].name, themesOf[1].name, themesOf[3].name, "Possible for " + themesOf[0].name, "Meet again in a month", sc.Ideas[0]} {
		if !strings.Contains(string(md), want) {
			t.Errorf("export.md lacks %q", want)
		}
	}
	if resp, _ := ts.get("/api/boards/"+b.ID+"/export.md", people[0].Token); resp.StatusCode != http.StatusOK {
		t.Errorf("a participant cannot read the report in discuss: %d", resp.StatusCode)
	}
	if resp, _ := ts.get("/api/boards/"+b.ID+"/export.csv", people[0].Token); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a participant got the CSV export: %d", resp.StatusCode)
	}
	resp, csvBody := ts.get("/api/boards/"+b.ID+"/export.csv", fac.Token)
	rows, err := csv.NewReader(strings.NewReader(string(csvBody))).ReadAll()
	if resp.StatusCode != http.StatusOK || err != nil || len(rows) != len(sc.Ideas)+1 {
		t.Fatalf("export.csv: %d, %d rows, %v", resp.StatusCode, len(rows), err)
	}
	resp, js := ts.get("/api/boards/"+b.ID+"/export.json", fac.Token)
	var exported board.Export
	if resp.StatusCode != http.StatusOK || json.Unmarshal(js, &exported) != nil || len(exported.Notes) != len(sc.Ideas) {
		t.Fatalf("export.json: %d, %d notes", resp.StatusCode, len(exported.Notes))
	}
	checkCopy(t, ts, exported)

	assertConverged(t, ts.log, b.ID, everyone...)
	// Every instance's own replica of the board, as a newcomer there
	// is sent it, is the replay too.
	for _, srv := range servers {
		assertConverged(t, ts.log, b.ID, srv.facilitator(b))
	}
}

// checkCopy imports exported into a new board and checks the copy's own
// export.json holds the same board, field by field: docs/protocol.md says
// what carries over, and an export.json holds nothing else. Then a
// newcomer joins the copy, next to its people, and votes with the dots
// carried over.
func checkCopy(t *testing.T, ts *testServer, exported board.Export) {
	t.Helper()
	if len(exported.Participants) < 2 || len(exported.Tallies) == 0 || exported.Phase != board.Discuss {
		t.Fatalf("the export to copy has %d participants, %d tallies, phase %s", len(exported.Participants), len(exported.Tallies), exported.Phase)
	}
	resp, body := ts.post("/api/boards", map[string]any{"import": exported})
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("import: %d %s", resp.StatusCode, body)
	}
	var copied created
	if err := json.Unmarshal(body, &copied); err != nil {
		t.Fatal(err)
	}
	resp, js := ts.get("/api/boards/"+copied.ID+"/export.json", copied.facilitatorToken())
	var again board.Export
	if resp.StatusCode != http.StatusOK || json.Unmarshal(js, &again) != nil {
		t.Fatalf("the copy's export.json: %d %s", resp.StatusCode, js)
	}
	want, got := reflect.ValueOf(exported), reflect.ValueOf(again)
	for i := range want.NumField() {
		if !reflect.DeepEqual(want.Field(i).Interface(), got.Field(i).Interface()) {
			t.Errorf("the copy's %s differs:\n got %+v\nwant %+v", want.Type().Field(i).Name, got.Field(i).Interface(), want.Field(i).Interface())
		}
	}

	fac := ts.facilitator(copied)
	if !fac.Facilitator {
		t.Fatal("the copy's facilitator link did not open it as facilitator")
	}
	newcomer := ts.join(copied, "Newcomer", board.CivilSociety)
	if slices.ContainsFunc(exported.Participants, func(p board.Participant) bool { return p.ID == newcomer.You }) {
		t.Fatalf("the newcomer to the copy is %s, an imported participant's id", newcomer.You)
	}
	top := exported.Ranking[0]
	do(t, fac, board.Op{Kind: board.PhaseSet, Phase: board.Vote})
	do(t, newcomer, board.Op{Kind: board.VoteCast, Item: top.Item})
	st := replay(t, ts.log, copied.ID)
	if st.Participants[newcomer.You].Group == "" {
		t.Errorf("the newcomer to the copy is in no group")
	}
	if x := st.Export(); x.Ranking[0].Item != top.Item || x.Ranking[0].Votes != top.Votes+1 {
		t.Errorf("a dot on the copy's first idea, %s with %d, makes the ranking %+v", top.Item, top.Votes, x.Ranking)
	}
	assertConverged(t, ts.log, copied.ID, fac, newcomer)
}

// checkBalanced asserts the breakout rule for the scenario's room of as
// many civil servants as civil society: every group has as many of one
// sector as of the other, and the number of each differs by at most one
// between any two groups.
func checkBalanced(t *testing.T, st *board.State) {
	t.Helper()
	type count struct{ servants, society int }
	counts := map[string]*count{}
	for id := range st.Groups {
		counts[id] = &count{}
	}
	for _, p := range st.Participants {
		if p.Facilitator {
			continue
		}
		c := counts[p.Group]
		if c == nil {
			t.Fatalf("%s (%s) is in no group", p.ID, p.Name)
		}
		if p.Role == board.CivilServant {
			c.servants++
		} else {
			c.society++
		}
	}
	spread := func(f func(*count) int) int {
		lo, hi := 1<<30, -1
		for _, c := range counts {
			lo, hi = min(lo, f(c)), max(hi, f(c))
		}
		return hi - lo
	}
	if len(counts) < 2 {
		t.Fatalf("%d groups formed", len(counts))
	}
	for id, c := range counts {
		if c.servants != c.society {
			t.Errorf("group %s has %d civil servants and %d from civil society", id, c.servants, c.society)
		}
	}
	if s := spread(func(c *count) int { return c.servants }); s > 1 {
		t.Errorf("civil servants per group differ by %d", s)
	}
	if s := spread(func(c *count) int { return c.society }); s > 1 {
		t.Errorf("civil society per group differ by %d", s)
	}
}

func noteID(t *testing.T, f client.Frame) string { return entityID(t, f, "note") }

// entityID is the id of the entity of kind e that an acknowledged op
// created: ids come from the seq.
func entityID(t *testing.T, f client.Frame, e string) string {
	t.Helper()
	id := fmt.Sprintf("%s%d", e[:1], f.Seq)
	for _, c := range f.Changes {
		if c.E == e && c.ID == id {
			return id
		}
	}
	t.Fatalf("the ack of seq %d creates no %s %s: %+v", f.Seq, e, id, f.Changes)
	return ""
}
