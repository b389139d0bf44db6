package bolt

import (
	"encoding/binary"
	"errors"
	"fmt"
	"hash/crc32"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/plenary/plenary/store"
)

// A bbolt commit rewrites a page of the board's records, the pages above
// it and a meta page, with two fsyncs, and leaves about 10 KB of garbage:
// paid on every append, that was most of what the embedded store cost a
// busy server, and its collections stalled every board at once. So an
// append goes to a write-ahead segment instead, a file records are only
// ever added to, at one fsync per batch and no garbage; a checkpoint later
// moves a whole segment into bbolt in one transaction and deletes it.
const (
	// segmentBytes and segmentAge say when the committer starts a new
	// segment and hands the full one to the checkpointer: they bound the
	// records held in memory until they are in bbolt, and how long a
	// restart spends reading segments back. A checkpoint of 250 busy
	// boards takes 7-31 ms of the server's core in one go; one every
	// five seconds rather than every second left fewer ops waiting
	// behind one (many: p99 median of seven interleaved runs 69.6 ms at
	// one second, 49.2 ms at five).
	segmentBytes = 4 << 20
	segmentAge   = 5 * time.Second
	// segmentsBehind is how many full segments may wait for the
	// checkpointer before appends wait for it in turn.
	segmentsBehind = 2
	// frameHeader is a record's length and checksum.
	frameHeader = 8
)

var castagnoli = crc32.MakeTable(crc32.Castagnoli)

// segment is one write-ahead file. The committer writes it; once full it
// belongs to the checkpointer.
type segment struct {
	n       uint64
	path    string
	file    *os.File
	size    int64
	opened  time.Time
	records []walRecord // in the order written
}

// walRecord is a record with the board it belongs to and the key of the
// op it holds ("" for none).
type walRecord struct {
	board string
	key   string
	store.Record
}

// segmentPath names segment n of the bbolt file at db. The number is
// fixed-width hex, so names sort in the order segments were written.
func segmentPath(db string, n uint64) string {
	return fmt.Sprintf("%s.wal.%016x", db, n)
}

// segmentPaths lists the segments of the bbolt file at db, oldest first,
// and the highest number among them.
func segmentPaths(db string) (paths []string, last uint64, err error) {
	paths, err = filepath.Glob(db + ".wal.*")
	if err != nil {
		return nil, 0, err
	}
	slices.Sort(paths)
	for _, p := range paths {
		n, err := strconv.ParseUint(strings.TrimPrefix(p, db+".wal."), 16, 64)
		if err != nil {
			return nil, 0, fmt.Errorf("%s is not a segment of %s", p, db)
		}
		last = max(last, n)
	}
	return paths, last, nil
}

// createSegment creates segment n, durably: the directory is synced, so
// the file is still there after a crash to be read back.
func createSegment(db string, n uint64, now time.Time) (*segment, error) {
	path := segmentPath(db, n)
	f, err := os.OpenFile(path, os.O_CREATE|os.O_EXCL|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, err
	}
	if err := syncDir(filepath.Dir(path)); err != nil {
		f.Close()
		os.Remove(path)
		return nil, err
	}
	return &segment{n: n, path: path, file: f, opened: now}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

// write adds the batch's records to the segment and syncs them, in one
// write and one fsync, encoding into buf, which it returns for reuse.
func (s *segment) write(buf []byte, batch []walRecord) ([]byte, error) {
	buf = buf[:0]
	for _, r := range batch {
		buf = appendFrame(buf, r)
	}
	if _, err := s.file.Write(buf); err != nil {
		return buf, err
	}
	if err := s.file.Sync(); err != nil {
		return buf, err
	}
	s.size += int64(len(buf))
	s.records = append(s.records, batch...)
	return buf, nil
}

// remove deletes the segment once its records are in bbolt.
func (s *segment) remove() error {
	s.file.Close()
	return os.Remove(s.path)
}

// hasKey marks a payload whose board is followed by an op's key. A board
// id is at most 64 bytes, so its length never has this bit, and segments
// written before keys were kept read as records without one.
const hasKey = 0x80

// appendFrame encodes r as its payload's length and CRC-32C, then the
// payload: the board's length (with hasKey if a key follows) and the
// board, the key's length and the key, the seq, the data.
func appendFrame(buf []byte, r walRecord) []byte {
	start := len(buf)
	buf = append(buf, make([]byte, frameHeader)...)
	if r.key == "" {
		buf = append(buf, byte(len(r.board)))
		buf = append(buf, r.board...)
	} else {
		buf = append(buf, byte(len(r.board))|hasKey)
		buf = append(buf, r.board...)
		buf = append(buf, byte(len(r.key)))
		buf = append(buf, r.key...)
	}
	buf = binary.LittleEndian.AppendUint64(buf, r.Seq)
	buf = append(buf, r.Data...)
	payload := buf[start+frameHeader:]
	binary.LittleEndian.PutUint32(buf[start:], uint32(len(payload)))
	binary.LittleEndian.PutUint32(buf[start+4:], crc32.Checksum(payload, castagnoli))
	return buf
}

// errBadFrame is a record cut short or not matching its checksum.
var errBadFrame = errors.New("record cut short or failing its checksum")

// readSegment returns the records of the segment at path; newest says it
// is the last one written.
func readSegment(path string, newest bool) ([]walRecord, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	records, err := decodeSegment(data, newest)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return records, nil
}

// decodeSegment decodes a segment's records. Only one kind of damage is
// expected, and dropped: a torn tail of the newest segment, where a crash
// cut its last write short. None of that write was acknowledged, since a
// record is acknowledged only after the fsync that follows its write, and
// nothing intact can follow it. Anything else (a bad record in an older
// segment, which was synced whole before the next one began, or one
// followed by intact records) is damage to acknowledged records, and an
// error: dropping it would lose them silently.
func decodeSegment(data []byte, newest bool) ([]walRecord, error) {
	var records []walRecord
	for off := 0; off < len(data); {
		r, n, err := decodeFrame(data[off:])
		if err != nil {
			if newest && !intactAfter(data[off:]) {
				return records, nil
			}
			return nil, fmt.Errorf("damaged at offset %d: %w", off, err)
		}
		records = append(records, r)
		off += n
	}
	return records, nil
}

// intactAfter reports whether a record decodes anywhere after the start of
// rest. Most offsets fail on the length alone, before any checksum.
func intactAfter(rest []byte) bool {
	for i := 1; i+frameHeader < len(rest); i++ {
		if _, _, err := decodeFrame(rest[i:]); err == nil {
			return true
		}
	}
	return false
}

// decodeFrame decodes the frame at the start of data and its length.
func decodeFrame(data []byte) (walRecord, int, error) {
	if len(data) < frameHeader {
		return walRecord{}, 0, errBadFrame
	}
	n := int(binary.LittleEndian.Uint32(data))
	if n < 1+8 || n > len(data)-frameHeader {
		return walRecord{}, 0, errBadFrame
	}
	payload := data[frameHeader : frameHeader+n]
	if crc32.Checksum(payload, castagnoli) != binary.LittleEndian.Uint32(data[4:]) {
		return walRecord{}, 0, errBadFrame
	}
	bl := int(payload[0] &^ hasKey)
	if 1+bl+8 > n {
		return walRecord{}, 0, errBadFrame
	}
	r := walRecord{board: string(payload[1 : 1+bl])}
	rest := payload[1+bl:]
	if payload[0]&hasKey != 0 {
		kl := int(rest[0])
		if 1+kl+8 > len(rest) {
			return walRecord{}, 0, errBadFrame
		}
		r.key = string(rest[1 : 1+kl])
		rest = rest[1+kl:]
	}
	r.Record = store.Record{Seq: binary.LittleEndian.Uint64(rest), Data: rest[8:]}
	return r, frameHeader + n, nil
}
