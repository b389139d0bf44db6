// Package report writes a board as documents for people: the Markdown
// record of the workshop and the CSV of its notes, in the board's language.
//
// Like board, it is pure: it reads a *board.State through board's exported
// API and never touches the clock, randomness or I/O. What a reader may see
// of the votes is board's rule (State.Results); a report only follows it.
package report

import (
	"cmp"
	"maps"
	"slices"

	"github.com/plenary/plenary/board"
)

// doc is a board being written, in the wording of its language.
type doc struct {
	s *board.State
	w *wording
}

func newDoc(s *board.State) doc {
	w := wordings[s.Info.Settings.Language]
	if w == nil {
		w = wordings[board.English]
	}
	return doc{s: s, w: w}
}

// label is how a report names a theme or note: the theme's name, or the
// note's text.
func (d doc) label(item string) string {
	if t := d.s.Themes[item]; t != nil {
		return d.themeName(t)
	}
	if n := d.s.Notes[item]; n != nil {
		return n.Text
	}
	return item
}

// themeName is a theme's name, or what clients show for a theme without one.
func (d doc) themeName(t *board.Theme) string { return cmp.Or(t.Name, d.w.untitledTheme) }

// groupName is the name of the group whose flip chart is chart.
func (d doc) groupName(chart string) string {
	if g := d.s.Groups[chart]; g != nil {
		return g.Name
	}
	return chart
}

// inOrder is the keys of m in the order their entities were made.
func inOrder[V any](m map[string]V) []string {
	return slices.SortedFunc(maps.Keys(m), board.CompareIDs)
}
