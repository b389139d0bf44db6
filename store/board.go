package store

import (
	"errors"
	"fmt"
)

// ErrInvalidBoard is returned for a board id that is empty, longer than 64
// bytes, or holds anything but ASCII letters, digits, '-' and '_'. Every
// implementation rejects the same ids, so a board that works on bolt works
// on Redis, where the id goes into key names and hash tags ({b:ID}) that a
// '}' or a ':' would break.
var ErrInvalidBoard = errors.New("invalid board id")

// CheckBoard returns an error wrapping ErrInvalidBoard unless id is a valid
// board id.
func CheckBoard(id string) error {
	if len(id) == 0 || len(id) > 64 {
		return fmt.Errorf("%w: %q is not 1 to 64 bytes long", ErrInvalidBoard, id)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return fmt.Errorf("%w: %q holds %q", ErrInvalidBoard, id, c)
		}
	}
	return nil
}
