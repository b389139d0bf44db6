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
	return reportedIn(t, anonymous, English)
}

// reportedIn is reported on a board whose language is switched to lang
// once its groups are formed.
func reportedIn(t *testing.T, anonymous bool, lang Language) *room {
	r := newRoom(t)
	set := DefaultSettings()
	set.Anonymous = anonymous
	set.Passcode = "belize2019"
	set.Language = lang
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
		"Participants: 4 (civil servants: 2, civil society: 2). Groups: 2.",
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
	rows := csvRows(t, reported(t, false).s.CSV())
	want := [][]string{
		{"chart", "group", "author_role", "text", "theme", "votes"},
		{"g1", "Toledo table", "civil servant", "One shared calendar of mobile clinic visits", "Reaching rural families", "2"},
		{"g1", "Toledo table", "civil society", "Transport vouchers so rural families can reach clinics", "Reaching rural families", "2"},
		{"g2", "Group 2", "civil servant", "Community radio slot | ministries answer questions", "", "2"},
		{"g2", "Group 2", "civil society", `'=HYPERLINK("x")`, "Untitled theme", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("CSV =\n%q\nwant\n%q", rows, want)
	}
}

// csvRows reads a CSV export as a spreadsheet program does: it must start
// with a UTF-8 byte-order mark (else accents are garbled) and end its lines
// with CRLF.
func csvRows(t *testing.T, doc []byte) [][]string {
	t.Helper()
	body, ok := bytes.CutPrefix(doc, []byte("\xEF\xBB\xBF"))
	if !ok {
		t.Fatalf("the CSV has no UTF-8 byte-order mark: %q", doc[:min(len(doc), 20)])
	}
	if !bytes.HasSuffix(body, []byte("\r\n")) || bytes.Count(body, []byte("\n")) != bytes.Count(body, []byte("\r\n")) {
		t.Errorf("the CSV's lines do not all end in CRLF: %q", body)
	}
	rows, err := csv.NewReader(bytes.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// TestCSVQuoting writes notes with what breaks a naive CSV (commas, quotes,
// line breaks, accents, a leading space) and reads them back intact.
func TestCSVQuoting(t *testing.T) {
	r := newRoom(t)
	texts := []string{
		"Clínicas móviles, una vez al mes",
		`El "día del vecino" en cada distrito`,
		"Two lines:\nradio and posters",
		`Semicolon; and a closing quote"`,
	}
	for _, text := range texts {
		r.note(r.ana, "g1", text)
	}
	rows := csvRows(t, r.s.CSV())
	if len(rows) != len(texts)+1 {
		t.Fatalf("%d rows, want %d: %q", len(rows), len(texts)+1, rows)
	}
	for i, text := range texts {
		if got := rows[i+1][3]; got != text {
			t.Errorf("row %d text = %q, want %q", i+1, got, text)
		}
	}
}

// TestExportsInSpanish reads the Markdown and CSV of a board whose language
// is Spanish: every word the board writes is Spanish, group names included,
// while what people wrote stays as they wrote it.
func TestExportsInSpanish(t *testing.T) {
	r := reportedIn(t, false, Spanish)
	md := string(r.s.Markdown(true))
	for _, want := range []string{
		"Participantes: 4 (función pública: 2, sociedad civil: 2). Grupos: 2.",
		"## Papelógrafos",
		"### Toledo table",
		"### Grupo 2",
		"- One shared calendar of mobile clinic visits (función pública, Ana)",
		"### Tema sin nombre",
		"| Puesto | Idea | Votos | Función pública | Sociedad civil |",
		"| 1 (empate) | Reaching rural families | 2 | 1 | 1 |",
		"## Ideas principales",
		"Votos: 2 (función pública: 1, sociedad civil: 1).",
		"- **Responsable:** Ministry of Health",
		"- **Próximo paso:** Draft the calendar by October",
		"- **Qué es posible:** —",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("the Spanish report lacks %q:\n%s", want, md)
		}
	}
	for _, english := range []string{"Flip charts", "Results", "Top ideas", "Owner", "civil servant", "Group 2", "(tie)", "Untitled"} {
		if strings.Contains(md, english) {
			t.Errorf("the Spanish report says %q:\n%s", english, md)
		}
	}
	set := r.s.Info.Settings
	set.HideTallies = true
	r.must(facilitator, Op{Kind: BoardSettings, Settings: &set})
	if hidden := string(r.s.Markdown(false)); !strings.Contains(hidden, "## Resultados\n\nLos votos están ocultos hasta que la persona facilitadora los muestre.") {
		t.Errorf("a participant's Spanish report while tallies are hidden does not say why:\n%s", hidden)
	}
	rows := csvRows(t, r.s.CSV())
	want := [][]string{
		{"papelógrafo", "grupo", "rol_autor", "texto", "tema", "votos"},
		{"g1", "Toledo table", "función pública", "One shared calendar of mobile clinic visits", "Reaching rural families", "2"},
		{"g1", "Toledo table", "sociedad civil", "Transport vouchers so rural families can reach clinics", "Reaching rural families", "2"},
		{"g2", "Grupo 2", "función pública", "Community radio slot | ministries answer questions", "", "2"},
		{"g2", "Grupo 2", "sociedad civil", `'=HYPERLINK("x")`, "Tema sin nombre", "0"},
	}
	if !reflect.DeepEqual(rows, want) {
		t.Errorf("Spanish CSV =\n%q\nwant\n%q", rows, want)
	}
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
	exported := reported(t, false).s.Export()
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
	exported := reported(t, false).s.Export()
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
