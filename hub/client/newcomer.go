package client

// How a newcomer joins as the web app does (docs/protocol.md, "Joining
// over HTTP" and "First load"): the join is POSTed, the board fetched
// gzipped over HTTP, and the socket's hello resumes from that board, so
// the socket never carries the whole board uncompressed.

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/plenary/plenary/board"
	"github.com/plenary/plenary/protocol"
)

// joinOverHTTP posts h's join under h.JoinID and returns the token the
// server issued the newcomer.
func joinOverHTTP(ctx context.Context, base, origin string, h Hello, httpc *http.Client) (string, error) {
	body, err := json.Marshal(struct {
		protocol.Join
		ID string `json:"id"`
	}{*h.Join, h.JoinID})
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/boards/"+url.PathEscape(h.Board)+"/join", bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Origin", origin)
	resp, err := httpc.Do(req)
	if err != nil {
		return "", fmt.Errorf("join board %s: %w", h.Board, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", refusal(resp)
	}
	var answer struct{ Token, You string }
	if err := json.NewDecoder(resp.Body).Decode(&answer); err != nil || answer.Token == "" {
		return "", fmt.Errorf("join board %s: an answer with no token (%v)", h.Board, err)
	}
	return answer.Token, nil
}

// refusal reads the {code, msg} an API refusal carries.
func refusal(resp *http.Response) error {
	body, _ := io.ReadAll(io.LimitReader(resp.Body, protocol.MaxFrame))
	var e struct{ Code, Msg string }
	if json.Unmarshal(body, &e) != nil || e.Code == "" {
		return fmt.Errorf("%s %s: %s: %q", resp.Request.Method, resp.Request.URL.Path, resp.Status, body)
	}
	return &board.Error{Code: e.Code, Message: e.Msg}
}

// firstBoard is the board the snapshot endpoint sent: the whole snap
// frame for a strict client, only its head for a light one.
type firstBoard struct {
	frame Frame  // strict
	head  []byte // light: the frame's first headerCap bytes at most
	// wire is how many bytes the answer's body took on the wire.
	wire int
	at   time.Time
}

// seqEpoch is the seq and epoch the board was fetched at.
func (b *firstBoard) seqEpoch() (uint64, string) {
	if b.head != nil {
		h := protocol.ParseHeader(b.head)
		return h.Seq, string(h.Epoch)
	}
	return b.frame.Seq, b.frame.Epoch
}

// fetchBoard gets the board as token's holder is sent it, gzipped. A light
// client inflates only the frame's head, for its seq and epoch, and reads
// the rest of the body as it came, to count it and leave the connection
// clean.
func fetchBoard(ctx context.Context, base, boardID, token string, light bool, httpc *http.Client) (*firstBoard, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, base+"/api/boards/"+url.PathEscape(boardID)+"/snapshot", nil)
	if err != nil {
		return nil, err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	// Asked for explicitly, the transport hands the body over as sent.
	req.Header.Set("Accept-Encoding", "gzip")
	resp, err := httpc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("snapshot of board %s: %w", boardID, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, refusal(resp)
	}
	wire := &countingReader{r: resp.Body}
	var frame io.Reader = wire
	if resp.Header.Get("Content-Encoding") == "gzip" {
		zr, err := gzip.NewReader(wire)
		if err != nil {
			return nil, fmt.Errorf("snapshot of board %s: %w", boardID, err)
		}
		frame = zr
	}
	b := &firstBoard{}
	if light {
		head := make([]byte, headerCap)
		n, err := io.ReadFull(frame, head)
		if err != nil && err != io.ErrUnexpectedEOF {
			return nil, fmt.Errorf("snapshot of board %s: %w", boardID, err)
		}
		b.head = head[:n]
		if _, err := io.Copy(io.Discard, wire); err != nil {
			return nil, fmt.Errorf("snapshot of board %s: %w", boardID, err)
		}
	} else {
		raw, err := io.ReadAll(frame)
		if err != nil {
			return nil, fmt.Errorf("snapshot of board %s: %w", boardID, err)
		}
		var snap struct {
			protocol.Snap[protocol.Entity]
			You         string `json:"you"`
			Facilitator bool   `json:"facilitator"`
		}
		if err := protocol.Strict(raw, &snap); err != nil || snap.T != "snap" {
			return nil, fmt.Errorf("snapshot of board %s: not a snap frame (%v): %.200q", boardID, err, raw)
		}
		b.frame = frameOf(&snap.Snap, raw)
		b.frame.You, b.frame.Facilitator = snap.You, snap.Facilitator
	}
	b.wire, b.at = wire.n, time.Now()
	return b, nil
}

// take applies the fetched board as the socket's snap frame would be,
// before anything the socket brings.
func (c *Client) take(b *firstBoard) {
	if c.light != nil {
		c.light.Read(b.wire)
		h := protocol.ParseHeader(b.head)
		c.light.Frame(&h)
		c.receiveHeader(&h)
		return
	}
	if c.onFrame != nil {
		c.onFrame(b.frame, b.at)
	}
	c.receive(b.frame)
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int
}

func (r *countingReader) Read(p []byte) (int, error) {
	n, err := r.r.Read(p)
	r.n += n
	return n, err
}
