package board

import (
	"bytes"
	"encoding/csv"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// reported is a workshop run to its end: two groups' notes, two themes, a
// vote with a tie for first, and the discussion of the top ideas.
func reported(t *testing.T, anonymous bool) *room {
	r := newRoom(t)
	set := DefaultSettings()
	set.Anonymous = anonymous
	set.Passcode = "belize2019"
	r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
	r.must(r.ana, Op{Kind: GroupRename, Group: "g1", Name: "Toledo table"})
	clinic := r.note(r.ana, "g1", "One shared calendar of mobile clinic visits")
	vouchers := r.note(r.ben, "g1", "Transport vouchers so rural families can reach clinics")
	radio := r.note(r.cleo, "g2", "Community radio slot | ministries answer questions")
	formula := r.note(r.dev, "g2", "=HYPERLINK(\"x\")")
	r.phase(Cluster)
	access := r.must(r.ana, Op{Kind: ThemeCreate, Name: "Reaching rural families", Notes: []string{clinic, vouchers}, X: at(0.2), Y: at(0.2)})[0].ID
	r.must(r.ben, Op{Kind: ThemeCreate, Notes: []string{formula}, X: at(0.7), Y: at(0.2)})
	r.phase(Vote)
	r.must(r.ana, Op{Kind: VoteCast, Item: access})
	r.must(r.ben, Op{Kind: VoteCast, Item: access})
	r.must(r.cleo, Op{Kind: VoteCast, Item: radio})
	r.must(r.dev, Op{Kind: VoteCast, Item: radio})
	r.phase(Discuss)
	r.must(r.ana, Op{Kind: DiscussSet, Item: access, Field: "owner", Text: "Ministry of Health"})
	r.must(r.ben, Op{Kind: DiscussSet, Item: access, Field: "next", Text: "Draft the calendar by October"})
	return r
}

func TestMarkdown(t *testing.T) {
	md := string(reported(t, false).s.Markdown(false))
	for _, want := range []string{
		"# Community of Practice Inception Workshop",
		"> What are our shared ideas for working together?",
		"4 participants (2 civil servants, 2 civil society) in 2 groups.",
		"### Toledo table",
		"- One shared calendar of mobile clinic visits (civil servant, Ana)",
		"### Group 2",
		`- Community radio slot \| ministries answer questions (civil servant, Cleo)`,
		"### Reaching rural families",
		"### Untitled theme",
		"| 1 (tie) | Reaching rural families | 2 | 1 | 1 |",
		`| 1 (tie) | Community radio slot \| ministries answer questions | 2 | 1 | 1 |`,
		"### Top three of civil servants\n\n- Community radio slot \\| ministries answer questions (rank 1; votes: 1)\n- Reaching rural families (rank 1; votes: 1)\n",
		"### Top three of civil society\n\n- Community radio slot \\| ministries answer questions (rank 1; votes: 1)\n",
		"## Top ideas",
		"- **Owner:** Ministry of Health",
		"- **Next step:** Draft the calendar by October",
		"- **What is possible:** —",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the report lacks %q:\n%s", want, md)
		}
	}
	anonymous := string(reported(t, true).s.Markdown(false))
	for _, name := range []string{"Ana", "Ben", "Cleo", "Dev"} {
		if strings.Contains(anonymous, name) {
			t.Errorf("an anonymous report names %s:\n%s", name, anonymous)
		}
	}
	if !strings.Contains(anonymous, "(civil servant)") {
		t.Error("an anonymous report lost the authors' roles")
	}
}

func TestCSV(t *testing.T) {
	rows, err := csv.NewReader(bytes.NewReader(reported(t, false).s.CSV())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"chart", "group", "author_role", "text", "theme", "votes"},
		{"g1", "Toledo table", "civil-servant", "One shared calendar of mobile clinic visits", "Reaching rural families", "2"},
		{"g1", "Toledo table", "civil-society", "Transport vouchers so rural families can reach clinics", "Reaching rural families", "2"},
		{"g2", "Group 2", "civil-servant", "Community radio slot | ministries answer questions", "", "2"},
		{"g2", "Group 2", "civil-society", `'=HYPERLINK("x")`, "Untitled theme", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV =\n%q\nwant\n%q", rows, want)
	}
}

// TestExportImported starts a new board from an export, as POST /api/boards
// does with an export.json, and checks it holds the same groups, notes,
// themes and discussions, and that its own new notes never take an imported
// note's id.
func TestExportImported(t *testing.T) {
	old := reported(t, false)
	exported := old.s.Export()
	if exported.Settings.Passcode != "" {
		t.Error("the export holds the passcode")
	}
	if len(exported.Ranking) != 2 || exported.Ranking[1].Rank != 1 {
		t.Errorf("exported ranking = %+v", exported.Ranking)
	}
	if len(exported.TopCivilServant) != 2 || len(exported.TopCivilSociety) != 2 {
		t.Errorf("exported top three by sector: civil servants %+v, civil society %+v", exported.TopCivilServant, exported.TopCivilSociety)
	}
	doc, err := json.Marshal(exported)
	if err != nil {
		t.Fatal(err)
	}
	var x Export
	if err := json.Unmarshal(doc, &x); err != nil {
		t.Fatal(err)
	}
	w := &workshop{t: t, s: New()}
	w.must("", Op{Kind: BoardCreate, Import: &x})
	copied := w.s.Export()
	if copied.Title != exported.Title || copied.Prompt != exported.Prompt {
		t.Errorf("copy is titled %q, %q", copied.Title, copied.Prompt)
	}
	for i := range exported.Notes {
		exported.Notes[i].Author = ""
	}
	if !reflect.DeepEqual(copied.Groups, exported.Groups) || !reflect.DeepEqual(copied.Notes, exported.Notes) ||
		!reflect.DeepEqual(copied.Themes, exported.Themes) || !reflect.DeepEqual(copied.Discussions, exported.Discussions) {
		t.Errorf("the copy differs:\n%+v\n%+v", copied, exported)
	}
	if len(copied.Tallies) != 0 || len(copied.Participants) != 1 {
		t.Errorf("the copy kept votes or people: %+v %+v", copied.Tallies, copied.Participants)
	}
	ana := w.join("Ana", CivilServant)
	id := w.note(ana, w.s.Participants[ana].Group, "A new idea")
	if idNumber(id) <= w.s.IDOffset {
		t.Errorf("new note %s may collide with an imported one (offset %d)", id, w.s.IDOffset)
	}
}

func TestImportRefused(t *testing.T) {
	good := func() *Export { return new(reported(t, false).s.Export()) }
	tests := []struct {
		name   string
		change func(x *Export)
		code   string
	}{
		{"note on a missing chart", func(x *Export) { x.Notes[0].Chart = "g9" }, CodeBadOp},
		{"note in a missing theme", func(x *Export) { x.Notes[0].Theme = "t9999" }, CodeBadOp},
		{"malformed note id", func(x *Export) { x.Notes[0].ID = "note-1" }, CodeBadOp},
		{"repeated note", func(x *Export) { x.Notes[1].ID = x.Notes[0].ID }, CodeBadOp},
		{"long note", func(x *Export) { x.Notes[0].Text = strings.Repeat("x", MaxNoteText+1) }, CodeTooLong},
		{"note off the chart", func(x *Export) { x.Notes[0].CX = 2 }, CodeBadOp},
		{"discussion of nothing", func(x *Export) { x.Discussions[0].Item = "t9999" }, CodeBadOp},
		{"too many groups", func(x *Export) {
			for i := range MaxGroups + 1 {
				x.Groups = append(x.Groups, Group{ID: groupID(i + 10), Name: "g"})
			}
		}, CodeTooMany},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			x := good()
			tt.change(x)
			w := &workshop{t: t, s: New()}
			w.refused("", Op{Kind: BoardCreate, Import: x}, tt.code)
		})
	}
}
