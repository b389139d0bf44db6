package board

import (
	"bytes"
	"encoding/csv"
	"strconv"
)

// CSV is a row per note, for a spreadsheet: its chart, its group's name, its
// author's role, its text, its theme and the votes it counts toward: its
// theme's when it is in one, since the dots went to the theme.
func (s *State) CSV() []byte {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	tallies := s.tallies()
	// Writes to a bytes.Buffer cannot fail.
	_ = w.Write([]string{"chart", "group", "author_role", "text", "theme", "votes"})
	for _, n := range s.notesByChart() {
		item, theme := n.ID, ""
		if t := s.Themes[n.Theme]; t != nil {
			item, theme = t.ID, themeName(t)
		}
		votes := 0
		if t := tallies[item]; t != nil {
			votes = t.Votes
		}
		_ = w.Write([]string{
			n.Chart, cell(s.groupName(n.Chart)), string(n.Role), cell(n.Text), cell(theme), strconv.Itoa(votes),
		})
	}
	w.Flush()
	return buf.Bytes()
}

// cell keeps a spreadsheet from running people's text as a formula: text
// that starts like one is prefixed with an apostrophe, which spreadsheets
// hide.
func cell(text string) string {
	if text != "" && bytes.ContainsRune([]byte("=+-@\t\r"), rune(text[0])) {
		return "'" + text
	}
	return text
}
