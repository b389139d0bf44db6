package board

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// reported is a workshop run to its end: two groups' notes, two themes, a
// vote with a tie for first, and the discussion of the top ideas.
func reported(t *testing.T) *room {
	r := newRoom(t)
	set := DefaultSettings()
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

// TestLanguageRenamesDefaults switches a board's language back and forth:
// the groups and the facilitator that still carry the default names follow
// it, and a name someone chose stays.
func TestLanguageRenamesDefaults(t *testing.T) {
	r := newRoom(t)
	r.must(r.ana, Op{Kind: GroupRename, Group: "g1", Name: "Toledo table"})
	names := func() []string {
		return []string{r.s.Groups["g1"].Name, r.s.Groups["g2"].Name, r.s.Participants[facilitator].Name}
	}
	for _, step := range []struct {
		lang Language
		want []string
	}{
		{Spanish, []string{"Toledo table", "Grupo 2", "Persona facilitadora"}},
		{English, []string{"Toledo table", "Group 2", "Facilitator"}},
	} {
		set := r.s.Info.Settings
		set.Language = step.lang
		r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
		if got := names(); !reflect.DeepEqual(got, step.want) {
			t.Errorf("in %s the names are %q, want %q", step.lang, got, step.want)
		}
	}
	set := r.s.Info.Settings
	set.Language = Spanish
	r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
	r.must(facilitator, Op{Kind: GroupsForm, Size: 2})
	if got := r.s.Groups["g1"].Name; got != "Grupo 1" {
		t.Errorf("a group formed on a Spanish board is named %q", got)
	}
}

// copyOf starts a new board from x, as POST /api/boards does with an
// export.json, through the document's JSON.
func copyOf(t *testing.T, x Export) *workshop {
	t.Helper()
	doc, err := json.Marshal(x)
	if err != nil {
		t.Fatal(err)
	}
	var read Export
	if err := json.Unmarshal(doc, &read); err != nil {
		t.Fatal(err)
	}
	w := &workshop{t: t, s: New()}
	w.must("", Op{Kind: BoardCreate, Import: &read})
	return w
}

// TestExportImported: a copy's export is the original's, field by field,
// and what happens on the copy next takes none of its ids.
func TestExportImported(t *testing.T) {
	old := reported(t)
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
	w := copyOf(t, exported)
	if copied := w.s.Export(); !reflect.DeepEqual(copied, exported) {
		t.Errorf("the copy differs:\n%+v\n%+v", copied, exported)
	}
	eve := w.join("Eve", CivilSociety)
	if _, ok := old.s.Participants[eve]; ok {
		t.Errorf("newcomer %s takes an imported participant's id", eve)
	}
	if w.s.Participants[eve].Group == "" {
		t.Errorf("newcomer %s has no group", eve)
	}
	w.phase(Vote)
	w.must(eve, Op{Kind: VoteCast, Item: exported.Ranking[0].Item})
	if tally := w.s.tallies()[exported.Ranking[0].Item]; tally.Votes != exported.Ranking[0].Votes+1 || tally.CivilSociety != 2 {
		t.Errorf("a dot on a copied tally of %d makes %+v", exported.Ranking[0].Votes, tally)
	}
	id := w.note(facilitator, "g1", "A new idea")
	if idNumber(id) <= w.s.IDOffset {
		t.Errorf("new note %s may collide with an imported one (offset %d)", id, w.s.IDOffset)
	}
}

// TestCopiedTallyDropped: dots carried over on a note that joins a theme
// stop counting, as cast ones are given back.
func TestCopiedTallyDropped(t *testing.T) {
	exported := reported(t).s.Export()
	w := copyOf(t, exported)
	radio, theme := exported.Tallies[0].Item, exported.Themes[1].ID
	w.phase(Cluster)
	changes := w.must(facilitator, Op{Kind: NoteTheme, Note: radio, Theme: theme})
	if c, ok := find(changes, entityTally, radio); !ok || !c.Deleted {
		t.Errorf("note %s joined a theme and its copied tally was not deleted: %+v", radio, changes)
	}
	if _, ok := w.s.tallies()[radio]; ok {
		t.Errorf("note %s in a theme still has a tally", radio)
	}
}

// TestImportVersion1: a version 1 document, as logs hold in board.create
// entries, is read for its content only, as it was when logged.
func TestImportVersion1(t *testing.T) {
	exported := reported(t).s.Export()
	exported.Version = 1
	copied := copyOf(t, exported).s.Export()
	for i := range exported.Notes {
		exported.Notes[i].Author = ""
	}
	if !reflect.DeepEqual(copied.Groups, exported.Groups) || !reflect.DeepEqual(copied.Notes, exported.Notes) ||
		!reflect.DeepEqual(copied.Themes, exported.Themes) || !reflect.DeepEqual(copied.Discussions, exported.Discussions) {
		t.Errorf("the copy differs:\n%+v\n%+v", copied, exported)
	}
	if len(copied.Tallies) != 0 || len(copied.Participants) != 1 || copied.Phase != Brainstorm {
		t.Errorf("a version 1 copy kept votes, people or the phase: %+v %+v %s", copied.Tallies, copied.Participants, copied.Phase)
	}
}

func TestImportRefused(t *testing.T) {
	good := func() *Export { return new(reported(t).s.Export()) }
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
		{"participant in a missing group", func(x *Export) { x.Participants[1].Group = "g9" }, CodeBadOp},
		{"a second facilitator", func(x *Export) { x.Participants[1].Facilitator = true }, CodeBadOp},
		{"no facilitator", func(x *Export) { x.Participants[0].Facilitator = false }, CodeBadOp},
		{"repeated participant", func(x *Export) { x.Participants[2].ID = x.Participants[1].ID }, CodeBadOp},
		{"note by nobody imported", func(x *Export) { x.Notes[0].Author = "p99" }, CodeBadOp},
		{"tally of a note in a theme", func(x *Export) { x.Tallies[0].Item = x.Notes[0].ID }, CodeBadOp},
		{"tally not adding up", func(x *Export) { x.Tallies[0].CivilServant++ }, CodeBadOp},
		{"no such phase", func(x *Export) { x.Phase = "lunch" }, CodeBadOp},
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

// TestImportByHand: a document made by hand, with no participants, phase
// or tallies, makes a board in brainstorm with its creator alone.
func TestImportByHand(t *testing.T) {
	x := Export{Version: ExportVersion, Title: "By hand", Settings: DefaultSettings(),
		Groups: []Group{{ID: "g1", Name: "Group 1"}},
		Notes:  []Note{{ID: "n1", Chart: "g1", Role: CivilServant, Text: "An idea", X: 0.5, Y: 0.5}}}
	w := copyOf(t, x)
	if w.s.Info.Phase != Brainstorm || len(w.s.Participants) != 1 || len(w.s.Notes) != 1 || len(w.s.tallies()) != 0 {
		t.Errorf("a board by hand is in %s with %d participants, %d notes, %d tallies", w.s.Info.Phase, len(w.s.Participants), len(w.s.Notes), len(w.s.tallies()))
	}
}
