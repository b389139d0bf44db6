package report

import (
	"bytes"
	"encoding/csv"
	"strconv"

	"github.com/plenary/plenary/board"
)

// CSV is a row per note, for a spreadsheet, in the board's language: its
// chart, its group's name, its author's role, its text, its theme and the
// votes it counts toward: its theme's when it is in one, since the dots
// went to the theme. It holds every tally, hidden or not, so it is for
// facilitators only.
//
// It starts with a UTF-8 byte-order mark, without which spreadsheet
// programs read the file in the system's legacy encoding and garble every
// accent ("móvil"), and ends its lines with CRLF, as RFC 4180 and those
// programs expect.
func CSV(s *board.State) []byte {
	d := newDoc(s)
	buf := bytes.NewBufferString("\uFEFF")
	out := csv.NewWriter(buf)
	out.UseCRLF = true
	results, _ := s.Results(true)
	// Writes to a bytes.Buffer cannot fail.
	_ = out.Write(d.w.csvHead[:])
	for _, n := range s.NotesByChart() {
		item, theme := n.ID, ""
		if t := s.Themes[n.Theme]; t != nil {
			item, theme = t.ID, d.themeName(t)
		}
		votes := 0
		if t := results.Tallies[item]; t != nil {
			votes = t.Votes
		}
		_ = out.Write([]string{
			n.Chart, cell(d.groupName(n.Chart)), d.w.roles[n.Role], cell(n.Text), cell(theme), strconv.Itoa(votes),
		})
	}
	out.Flush()
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
