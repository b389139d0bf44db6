package board

import (
	"cmp"
	"fmt"
	"strings"
)

// Markdown is the workshop's record for the community: the prompt, every
// flip chart, the themes, the ranked results with the civil servant / civil
// society split (ties shown as ties), and what was agreed about each top
// idea. Authors are named only on a board that is not anonymous, and a
// participant's record (facilitator false) follows the tallies' audience:
// while they are hidden it holds no count, rank or top idea, only what was
// said about each item, since everyone sees the discussions.
func (s *State) Markdown(facilitator bool) []byte {
	w := s.words()
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", inline(s.Info.Title))
	if s.Info.Prompt != "" {
		fmt.Fprintf(&b, "> %s\n\n", inline(s.Info.Prompt))
	}
	servants, society := len(s.byRole(CivilServant)), len(s.byRole(CivilSociety))
	fmt.Fprintf(&b, w.headCount+"\n\n", servants+society, servants, society, len(s.Groups))

	fmt.Fprintf(&b, "## %s\n", w.flipCharts)
	chart := ""
	for _, n := range s.notesByChart() {
		if n.Chart != chart {
			chart = n.Chart
			fmt.Fprintf(&b, "\n### %s\n\n", inline(s.groupName(chart)))
		}
		fmt.Fprintf(&b, "- %s (%s%s)\n", inline(n.Text), w.roles[n.Role], s.byline(n))
	}
	if chart == "" {
		fmt.Fprintf(&b, "\n%s\n", w.noNotes)
	}

	if len(s.Themes) > 0 {
		fmt.Fprintf(&b, "\n## %s\n", w.themes)
		for _, id := range sortedIDs(s.Themes) {
			fmt.Fprintf(&b, "\n### %s\n\n", inline(s.themeName(s.Themes[id])))
			s.writeThemeNotes(&b, id)
		}
	}

	if !facilitator && s.tallyAudience() != Everyone {
		fmt.Fprintf(&b, "\n## %s\n\n%s\n", w.results, w.votesHidden)
		if len(s.Discussions) > 0 {
			fmt.Fprintf(&b, "\n## %s\n", w.discussed)
		}
		for _, item := range sortedIDs(s.Discussions) {
			fmt.Fprintf(&b, "\n### %s\n\n", inline(s.label(item)))
			s.writeDiscussion(&b, item)
		}
		return []byte(b.String())
	}

	tallies := s.tallies()
	ranking := rank(tallies)
	fmt.Fprintf(&b, "\n## %s\n\n", w.results)
	if len(ranking.Ranks) == 0 {
		fmt.Fprintf(&b, "%s\n", w.noVotes)
	} else {
		fmt.Fprintf(&b, "| %s |\n| --- | --- | --- | --- | --- |\n", strings.Join(w.resultsHead[:], " | "))
		for _, r := range ranking.Ranks {
			t := tallies[r.Item]
			fmt.Fprintf(&b, "| %s | %s | %d | %d | %d |\n",
				w.rankName(r, ranking), inline(s.label(r.Item)), t.Votes, t.CivilServant, t.CivilSociety)
		}
	}

	for i, top := range [2][]Rank{ranking.TopCivilServant, ranking.TopCivilSociety} {
		if len(top) == 0 {
			continue
		}
		fmt.Fprintf(&b, "\n### %s\n\n", w.topOf[i])
		for _, r := range top {
			fmt.Fprintf(&b, w.topOfLine+"\n", inline(s.label(r.Item)), r.Rank, r.Votes)
		}
	}

	if len(ranking.Top) > 0 {
		fmt.Fprintf(&b, "\n## %s\n", w.topIdeas)
	}
	for i, item := range ranking.Top {
		r := ranking.Ranks[i]
		fmt.Fprintf(&b, "\n### %s. %s\n\n", w.rankName(r, ranking), inline(s.label(item)))
		fmt.Fprintf(&b, w.topVotes+"\n\n", r.Votes, tallies[item].CivilServant, tallies[item].CivilSociety)
		if s.Themes[item] != nil {
			s.writeThemeNotes(&b, item)
			b.WriteString("\n")
		}
		s.writeDiscussion(&b, item)
	}
	return []byte(b.String())
}

// writeDiscussion is what was agreed about item, a dash for each question
// not answered.
func (s *State) writeDiscussion(b *strings.Builder, item string) {
	d := s.Discussions[item]
	if d == nil {
		d = &Discussion{}
	}
	for i, answer := range []string{d.Possible, d.How, d.Owner, d.Next} {
		fmt.Fprintf(b, "- **%s:** %s\n", s.words().questions[i], cmp.Or(inline(answer), "—"))
	}
}

// writeThemeNotes lists the notes of a theme.
func (s *State) writeThemeNotes(b *strings.Builder, theme string) {
	for _, n := range s.notesByChart() {
		if n.Theme == theme {
			fmt.Fprintf(b, "- %s (%s, %s)\n", inline(n.Text), inline(s.groupName(n.Chart)), s.words().roles[n.Role])
		}
	}
}

// byline names a note's author, unless the board is anonymous.
func (s *State) byline(n *Note) string {
	p := s.Participants[n.Author]
	if s.Info.Settings.Anonymous || p == nil {
		return ""
	}
	return ", " + inline(p.Name)
}

// rankName is a rank as the report shows it: "2 (tie)" when items share it.
func (w *wording) rankName(r Rank, ranking Ranking) string {
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
