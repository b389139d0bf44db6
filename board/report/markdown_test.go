package report

import (
	"strings"
	"testing"

	"github.com/plenary/plenary/board"
)

func TestMarkdown(t *testing.T) {
	md := string(Markdown(reported(t, false, board.English).s, false))
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
	// The decisions first, then what they came from.
	at := -1
	for _, head := range []string{"\n## Top ideas\n", "\n## Results\n", "\n## Themes\n", "\n## Flip charts\n"} {
		i := strings.Index(md, head)
		if i <= at {
			t.Errorf("the report has %q at %d, not after the section before it (at %d):\n%s", head, i, at, md)
		}
		at = i
	}
	anonymous := string(Markdown(reported(t, true, board.English).s, false))
	for _, name := range []string{"Ana", "Ben", "Cleo", "Dev"} {
		if strings.Contains(anonymous, name) {
			t.Errorf("an anonymous report names %s:\n%s", name, anonymous)
		}
	}
	if !strings.Contains(anonymous, "(civil servant)") {
		t.Error("an anonymous report lost the authors' roles")
	}
}

// TestMarkdownHidden hides the tallies, reveals them and hides them again:
// while they are hidden a participant's report holds no count, rank or top
// idea, only what was said, and the facilitator's keeps everything.
func TestMarkdownHidden(t *testing.T) {
	w := reported(t, false, board.English)
	hiddenFrom := func(facilitator bool) bool {
		md := string(Markdown(w.s, facilitator))
		hidden := strings.Contains(md, "The votes are hidden until the facilitator reveals them.")
		if hidden == strings.Contains(md, "## Top ideas") || hidden == strings.Contains(md, "| 1 (tie) |") {
			t.Errorf("a report both hides and shows the votes:\n%s", md)
		}
		if hidden && !strings.Contains(md, "## Discussed\n\n### Reaching rural families\n\n") {
			t.Errorf("a report with hidden votes lost the discussions:\n%s", md)
		}
		return hidden
	}
	for _, step := range []struct {
		op          board.Kind
		participant bool // whether a participant's report hides the votes
	}{
		{"", true},
		{board.VoteReveal, false},
		{board.VoteHide, true},
	} {
		if step.op == "" {
			w.settings(func(s *board.Settings) { s.HideTallies = true })
		} else {
			w.must(facilitator, board.Op{Kind: step.op})
		}
		if got := hiddenFrom(false); got != step.participant {
			t.Errorf("after %q a participant's report hides the votes: %v, want %v", step.op, got, step.participant)
		}
		if hiddenFrom(true) {
			t.Errorf("after %q the facilitator's report hides the votes", step.op)
		}
	}
}
