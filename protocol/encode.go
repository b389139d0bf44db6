package protocol

import (
	"encoding/json"
	"fmt"
	"log/slog"
)

// Encode marshals a frame the server built itself. A failure is a bug, so
// it is logged and the client is sent an internal error rather than the
// server going down.
func Encode(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		slog.Error("encode frame", "type", fmt.Sprintf("%T", v), "err", err)
		return []byte(`{"t":"err","code":"` + CodeInternal + `","msg":"the server could not encode a frame"}`)
	}
	return b
}
