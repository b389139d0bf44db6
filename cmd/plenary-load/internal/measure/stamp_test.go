package measure

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestStampedConn: bytes read through a StampedConn carry the time the
// kernel received them, which is after they were sent and before they
// were read.
func TestStampedConn(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	client, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	sc, err := newStampedConn(client.(*net.TCPConn))
	if err != nil {
		t.Fatal(err)
	}
	defer sc.Close()
	server, err := ln.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer server.Close()

	// Stamping starts for the whole machine a moment after the first
	// socket asks for it; until then reads carry none.
	for deadline := time.Now().Add(30 * time.Second); sc.arrived.Load() == 0; {
		if time.Now().After(deadline) {
			t.Fatal("no read carried a stamp")
		}
		if _, err := server.Write([]byte("x")); err != nil {
			t.Fatal(err)
		}
		if _, err := io.ReadFull(sc, make([]byte, 1)); err != nil {
			t.Fatal(err)
		}
	}
	for _, msg := range []string{"first", "second"} {
		sent := time.Now()
		if _, err := server.Write([]byte(msg)); err != nil {
			t.Fatal(err)
		}
		// Read only a while after the bytes arrived.
		time.Sleep(20 * time.Millisecond)
		buf := make([]byte, len(msg))
		if _, err := io.ReadFull(sc, buf); err != nil || string(buf) != msg {
			t.Fatalf("read %q, %v; want %q", buf, err, msg)
		}
		read := time.Now()
		arrived := time.Unix(0, sc.arrived.Load())
		if arrived.Before(sent) || !arrived.Before(read.Add(-10*time.Millisecond)) {
			t.Errorf("%s: sent %v, arrived %v, read %v: want the arrival between, well before the read", msg, sent, arrived, read)
		}
	}
	server.Close()
	if n, err := sc.Read(make([]byte, 1)); n != 0 || err != io.EOF {
		t.Errorf("after the peer closed: %d, %v; want io.EOF", n, err)
	}
}

// TestScreenTransport: a request dialled with a slot in its context hands
// the slot its StampedConn, and a change read through it carries a stamp
// on the meter's clock, no later than its reading.
func TestScreenTransport(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "a change")
	}))
	defer srv.Close()
	m := NewMeter()
	httpc := &http.Client{Transport: ScreenTransport()}
	deadline := time.Now().Add(30 * time.Second)
	for {
		ctx, slot := WithSlot(context.Background())
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, srv.URL, nil)
		if err != nil {
			t.Fatal(err)
		}
		resp, err := httpc.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || string(body) != "a change" {
			t.Fatalf("read %q, %v", body, err)
		}
		if slot.Conn == nil {
			t.Fatal("the dial left the slot empty")
		}
		at := m.Seen(slot.Conn)
		if at.Arrived > at.Read || at.Arrived <= 0 {
			t.Fatalf("arrived %d, read %d: want an arrival no later than the read", at.Arrived, at.Read)
		}
		// Stamping starts for the whole machine a moment after the first
		// socket asks for it; until then the arrival is the read.
		if slot.Conn.arrived.Load() != 0 {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal("no response carried a stamp")
		}
	}
}
