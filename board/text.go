package board

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// textRule bounds one kind of text a person types. Texts are trimmed, since
// a stray space or line break at either end is never meant, and are counted
// in characters, as a person counts them, not in bytes.
type textRule struct {
	what      string // how the text is named in a refusal: "the title"
	max       int    // characters, after trimming
	required  bool   // an empty text is refused
	multiline bool   // line breaks and tabs are allowed; other control characters never are
}

var (
	titleText     = textRule{what: "the title", max: MaxTitle, required: true}
	promptText    = textRule{what: "the prompt", max: MaxPrompt, multiline: true}
	nameText      = textRule{what: "the name", max: MaxName, required: true}
	noteText      = textRule{what: "the note", max: MaxNoteText, required: true, multiline: true}
	themeNameText = textRule{what: "the theme name", max: MaxThemeName}
	discussText   = textRule{what: "the text", max: MaxDiscussText, multiline: true}
)

// clean returns s trimmed, or the refusal that says what is wrong with it.
func (t textRule) clean(s string) (string, *Error) {
	if !utf8.ValidString(s) {
		return "", refuse(CodeBadOp, "%s is not valid text", t.what)
	}
	s = strings.TrimSpace(s)
	if s == "" && t.required {
		return "", refuse(CodeBadOp, "%s is empty", t.what)
	}
	if n := utf8.RuneCountInString(s); n > t.max {
		return "", refuse(CodeTooLong, "%s is over %d characters", t.what, t.max)
	}
	for _, c := range s {
		if unicode.IsControl(c) && !(t.multiline && (c == '\n' || c == '\t')) {
			return "", refuse(CodeBadOp, "%s has a control character", t.what)
		}
	}
	return s, nil
}

// position reads the x and y of an op: fractions of the chart or canvas.
// Both or neither: the web app lays notes and themes out itself and sends
// none, which reads as the corner (0, 0); one alone is a mistake.
func position(x, y *float64) (float64, float64, *Error) {
	if x == nil && y == nil {
		return 0, 0, nil
	}
	if x == nil || y == nil {
		return 0, 0, refuse(CodeBadOp, "a position needs both x and y")
	}
	if !fraction(*x) || !fraction(*y) {
		return 0, 0, refuse(CodeBadOp, "a position is a fraction from 0 to 1")
	}
	return *x, *y, nil
}

// fraction reports whether v is in [0, 1]; NaN is not.
func fraction(v float64) bool { return v >= 0 && v <= 1 }

// color reads a note's colour: the palette's first when none is given.
func color(c Color) (Color, *Error) {
	if c == "" {
		return Colors[0], nil
	}
	for _, known := range Colors {
		if c == known {
			return c, nil
		}
	}
	return "", refuse(CodeBadOp, "%q is not one of the note colours", c)
}
