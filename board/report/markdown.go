package report

import (
	"cmp"
	"fmt"
	"strings"

	"github.com/plenary/plenary/board"
)

// Markdown is the workshop's record for the community: the prompt, what
// was agreed about each top idea, the ranked results with the civil
// servant / civil society split (ties shown as ties), the themes, and every
// flip chart. The decisions come first: they are what people take home,
// and the notes behind them follow. Authors are named only on a board that
// is not anonymous, and a participant's record (facilitator false) holds
// the results only as State.Results shows them to a participant: while
// they are hidden it holds no count, rank or top idea, only what was said
// about each item, since everyone sees the discussions.
func Markdown(s *board.State, facilitator bool) []byte {
	d := newDoc(s)
	w := d.w
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", inline(s.Info.Title))
	if s.Info.Prompt != "" {
		fmt.Fprintf(&b, "> %s\n\n", inline(s.Info.Prompt))
	}
	servants, society := 0, 0
	for _, p := range s.Participants {
		switch p.Role {
		case board.CivilServant:
			servants++
		case board.CivilSociety:
			society++
		}
	}
	fmt.Fprintf(&b, w.headCount+"\n", servants+society, servants, society, len(s.Groups))

	if results, shown := s.Results(facilitator); shown {
		d.writeResults(&b, results)
	} else {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", w.results, w.votesHidden)
		if len(s.Discussions) > 0 {
			fmt.Fprintf(&b, "\n## %s\n", w.discussed)
		}
		for _, item := range inOrder(s.Discussions) {
			fmt.Fprintf(&b, "\n### %s\n\n", inline(d.label(item)))
			d.writeDiscussion(&b, item)
		}
	}

	if len(s.Themes) > 0 {
		fmt.Fprintf(&b, "\n## %s\n", w.themes)
		for _, id := range inOrder(s.Themes) {
			fmt.Fprintf(&b, "\n### %s\n\n", inline(d.themeName(s.Themes[id])))
			d.writeThemeNotes(&b, id)
		}
	}

	fmt.Fprintf(&b, "\n## %s\n", w.flipCharts)
	chart := ""
	for _, n := range s.NotesByChart() {
		if n.Chart != chart {
			chart = n.Chart
			fmt.Fprintf(&b, "\n### %s\n\n", inline(d.groupName(chart)))
		}
		fmt.Fprintf(&b, "- %s (%s%s)\n", inline(n.Text), w.roles[n.Role], d.byline(n))
	}
	if chart == "" {
		fmt.Fprintf(&b, "\n%s\n", w.noNotes)
	}
	return []byte(b.String())
}

// writeResults is the top ideas with what was agreed about each, then
// every ranked item and each sector's top three.
func (d doc) writeResults(b *strings.Builder, results board.Results) {
	w, tallies, ranking := d.w, results.Tallies, results.Ranking
	if len(ranking.Top) > 0 {
		fmt.Fprintf(b, "\n## %s\n", w.topIdeas)
	}
	for i, item := range ranking.Top {
		r := ranking.Ranks[i]
		fmt.Fprintf(b, "\n### %s. %s\n\n", w.rankName(r, ranking), inline(d.label(item)))
		fmt.Fprintf(b, w.topVotes+"\n\n", r.Votes, tallies[item].CivilServant, tallies[item].CivilSociety)
		if d.s.Themes[item] != nil {
			d.writeThemeNotes(b, item)
			b.WriteString("\n")
		}
		d.writeDiscussion(b, item)
	}

	fmt.Fprintf(b, "\n## %s\n\n", w.results)
	if len(ranking.Ranks) == 0 {
		fmt.Fprintf(b, "%s\n", w.noVotes)
	} else {
		fmt.Fprintf(b, "| %s |\n| --- | --- | --- | --- | --- |\n", strings.Join(w.resultsHead[:], " | "))
		for _, r := range ranking.Ranks {
			t := tallies[r.Item]
			fmt.Fprintf(b, "| %s | %s | %d | %d | %d |\n",
				w.rankName(r, ranking), inline(d.label(r.Item)), t.Votes, t.CivilServant, t.CivilSociety)
		}
	}

	for i, top := range [2][]board.Rank{ranking.TopCivilServant, ranking.TopCivilSociety} {
		if len(top) == 0 {
			continue
		}
		fmt.Fprintf(b, "\n### %s\n\n", w.topOf[i])
		for _, r := range top {
			fmt.Fprintf(b, w.topOfLine+"\n", inline(d.label(r.Item)), r.Rank, r.Votes)
		}
	}
}

// writeDiscussion is what was agreed about item, a dash for each question
// not answered.
func (d doc) writeDiscussion(b *strings.Builder, item string) {
	a := d.s.Discussions[item]
	if a == nil {
		a = &board.Discussion{}
	}
	for i, answer := range []string{a.Possible, a.How, a.Owner, a.Next} {
		fmt.Fprintf(b, "- **%s:** %s\n", d.w.questions[i], cmp.Or(inline(answer), "—"))
	}
}

// writeThemeNotes lists the notes of a theme.
func (d doc) writeThemeNotes(b *strings.Builder, theme string) {
	for _, n := range d.s.NotesByChart() {
		if n.Theme == theme {
			fmt.Fprintf(b, "- %s (%s, %s)\n", inline(n.Text), inline(d.groupName(n.Chart)), d.w.roles[n.Role])
		}
	}
}

// byline names a note's author, unless the board is anonymous.
func (d doc) byline(n *board.Note) string {
	p := d.s.Participants[n.Author]
	if d.s.Info.Settings.Anonymous || p == nil {
		return ""
	}
	return ", " + inline(p.Name)
}

// rankName is a rank as the report shows it: "2 (tie)" when items share it.
func (w *wording) rankName(r board.Rank, ranking board.Ranking) string {
	shared := 0
	for _, other := range ranking.Ranks {
		if other.Rank == r.Rank {
			shared++
		}
	}
	if shared > 1 {
		return fmt.Sprintf(w.tie, r.Rank)
	}
	return fmt.Sprint(r.Rank)
}

// markdownEscaper keeps people's text from being read as Markdown: a note
// that starts with "#" or holds a "|" must not break the report.
var markdownEscaper = strings.NewReplacer(
	`\`, `\\`, "`", "\\`", "*", `\*`, "_", `\_`, "[", `\[`, "]", `\]`,
	"<", "&lt;", ">", "&gt;", "|", `\|`, "#", `\#`,
)

// inline is text set on one line of the report: line breaks become spaces.
func inline(s string) string {
	return markdownEscaper.Replace(strings.Join(strings.Fields(s), " "))
}
