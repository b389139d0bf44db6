package static_test

import (
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/plenary/plenary/board"
)

// faults is what makes a shared screen unreadable, counted on the page as
// a person sees it: notes drawn over each other, sections (charts,
// themes) over each other, note text cut off by its own box or by a box
// around it that clips, notes hidden under something else, and the
// smallest note text in screen pixels.
type faults struct {
	Notes           int
	Overlaps        int
	SectionOverlaps int
	Clipped         int
	Covered         int
	Smallest        float64
	Examples        []string
}

const countFaults = `(() => {
  const shown = (el) => { const r = el.getBoundingClientRect(); return r.width > 0 && r.height > 0; };
  const over = (a, b) => Math.min(a.right, b.right) - Math.max(a.left, b.left) > 0.5 && Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top) > 0.5;
  const pairs = (els, examples) => {
    const rects = els.map((e) => e.getBoundingClientRect());
    let n = 0;
    for (let i = 0; i < rects.length; i++) for (let j = i + 1; j < rects.length; j++) {
      if (over(rects[i], rects[j])) { n++; if (examples.length < 5) examples.push('overlap: ' + els[i].textContent.slice(0, 40) + ' / ' + els[j].textContent.slice(0, 40)); }
    }
    return n;
  };
  const examples = [];
  const notes = [...document.querySelectorAll('.note')].filter(shown);
  const out = { Notes: notes.length, Overlaps: pairs(notes, examples), SectionOverlaps: pairs([...document.querySelectorAll('.world > *')].filter(shown), examples), Clipped: 0, Covered: 0, Smallest: 1e9, Examples: examples };
  for (const note of notes) {
    // A note whose middle shows something else is hidden under it.
    const r = note.getBoundingClientRect();
    const [x, y] = [r.left + r.width / 2, r.top + r.height / 2];
    if (x >= 0 && y >= 0 && x < innerWidth && y < innerHeight && !note.contains(document.elementFromPoint(x, y))) {
      out.Covered++;
      if (examples.length < 10) examples.push('covered: ' + note.textContent.slice(0, 40) + ' by ' + document.elementFromPoint(x, y)?.className);
    }
    for (const text of note.querySelectorAll('.note-text, .note-meta')) {
      const zoom = text.getBoundingClientRect().width / (text.offsetWidth || 1);
      if (text.classList.contains('note-text')) out.Smallest = Math.min(out.Smallest, parseFloat(getComputedStyle(text).fontSize) * zoom);
      let cut = text.scrollHeight > text.clientHeight + 1 || text.scrollWidth > text.clientWidth + 1 ? 'its own box' : '';
      const r = text.getBoundingClientRect();
      for (let a = text.parentElement; a && !cut; a = a.parentElement) {
        const st = getComputedStyle(a);
        if (st.overflowX === 'visible' && st.overflowY === 'visible') continue;
        const c = a.getBoundingClientRect();
        if (r.left < c.left - 1 || r.right > c.right + 1 || r.top < c.top - 1 || r.bottom > c.bottom + 1) cut = a.className || a.tagName;
      }
      if (cut) { out.Clipped++; if (examples.length < 10) examples.push('clipped by ' + cut + ': ' + text.textContent.slice(0, 40)); }
    }
  }
  return out;
})()`

// readable fails the test if the page shows any overlap or clipped text,
// or fewer notes than want, or note text smaller than minText pixels.
func (p *page) readable(screen string, want int, minText float64) faults {
	p.t.Helper()
	p.waitFor(fmt.Sprintf("%d notes on %s", want, screen), fmt.Sprintf(`document.querySelectorAll('.note').length === %d`, want))
	// Laid out: a camera's world is placed once every note is measured.
	p.waitFor("the layout", `(!document.querySelector('.world.camera') || document.querySelector('.world.camera.placed')) && !document.getAnimations().length`)
	// Two frames later, whatever the last change set off is drawn.
	eval[bool](p, `(() => { window.drawn_ = false; requestAnimationFrame(() => requestAnimationFrame(() => { window.drawn_ = true })); return true })()`)
	p.waitFor("two frames", `window.drawn_`)
	f := eval[faults](p, countFaults)
	if f.Notes != want || f.Overlaps != 0 || f.SectionOverlaps != 0 || f.Clipped != 0 || f.Covered != 0 || f.Smallest < minText {
		p.t.Errorf("%s, %s: %d notes shown (want %d), %d overlapping pairs of notes, %d of sections, %d clipped texts, %d notes covered, smallest text %.1f px (want at least %.0f): %q",
			p.name, screen, f.Notes, want, f.Overlaps, f.SectionOverlaps, f.Clipped, f.Covered, f.Smallest, minText, f.Examples)
	}
	return f
}

// TestSharedScreensAtWorkshopScale opens the scenario's room (26 people
// and the facilitator, five groups) with 70 notes and again with 300, on
// a laptop, a projector-sized screen, the presenter view and a
// participant's phone, through
// brainstorm, share and cluster, and counts what would make a screen
// unreadable: every count must be zero, and text on the phone at least 16
// px.
func TestSharedScreensAtWorkshopScale(t *testing.T) {
	if testing.Short() {
		t.Skip("browser test")
	}
	for _, notes := range []int{70, 300} {
		t.Run(fmt.Sprintf("%d notes", notes), func(t *testing.T) {
			srv := startServer(t)
			r := newRoom(t, srv.URL, notes)
			browser := startBrowser(t)
			laptop := newPage(t, browser, "facilitator's laptop", 1366, 768, false)
			projector := newPage(t, browser, "participant at 1920x1080", 1920, 1080, false)
			phone := newPage(t, browser, "participant's phone", 390, 844, true)
			presenter := newPage(t, browser, "presenter view at 1920x1080", 1920, 1080, false)
			laptop.do(chromedp.Navigate(r.facilitatorURL))
			presenter.do(chromedp.Navigate(strings.Replace(r.facilitatorURL, "/b/", "/p/", 1)))
			ana, ben := r.people[0], r.people[1]
			projector.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(ana.Token)))
			phone.do(chromedp.Navigate(srv.URL + "/b/" + r.code + "#key=" + url.QueryEscape(ben.Token)))

			// Brainstorm: the phone shows its own group's chart, the width
			// of the screen; the facilitator every chart.
			var mine struct {
				Group string `json:"group"`
			}
			ben.Get("participant", ben.You, &mine)
			own := 0
			for _, raw := range ben.Replica()["note"] {
				var n board.Note
				if err := json.Unmarshal(raw, &n); err != nil {
					t.Fatal(err)
				}
				if n.Chart == mine.Group {
					own++
				}
			}
			phone.readable("brainstorm", own, 16)
			laptop.readable("brainstorm", notes, 0)

			r.phase(board.Share)
			for _, p := range []*page{laptop, projector, phone} {
				p.waitText(".phase-name", "Share")
			}
			laptop.readable("share", notes, 0)
			projector.readable("share", notes, 0)
			presenter.waitText(".presenter-strip", "Share")
			presenter.readable("share", notes, 0)
			phone.readable("share", notes, 16)
			if notes == 70 {
				projector.screenshot("room-share")
				phone.screenshot("room-share-phone")
			}

			r.phase(board.Cluster)
			r.cluster(10, notes/14)
			for _, p := range []*page{laptop, projector, phone} {
				p.waitFor("ten themes", `document.querySelectorAll('section.theme').length === 10`)
			}
			laptop.readable("cluster", notes, 0)
			presenter.waitFor("ten themes", `document.querySelectorAll('.presenter-board section.theme').length === 10`)
			presenter.readable("cluster", notes, 0)
			f := projector.readable("cluster", notes, 0)
			t.Logf("cluster at 1920x1080 with %d notes: smallest note text %.1f px", notes, f.Smallest)
			phone.readable("cluster", notes, 16)
			if notes == 70 {
				projector.zoomAndPan()
			}
			if notes == 70 {
				projector.screenshot("room-cluster")
				phone.screenshot("room-cluster-phone")
			}
			for _, p := range []*page{laptop, projector, phone, presenter} {
				p.checkNoExceptions()
			}
		})
	}
}

// zoomAndPan zooms the canvas with the wheel, pans it by dragging empty
// space, and fits it again with the 0 key, as a person at a laptop does.
func (p *page) zoomAndPan() {
	p.t.Helper()
	camera := func() (v struct{ Scale, X, Y float64 }) {
		return eval[struct{ Scale, X, Y float64 }](p, `(() => { const m = new DOMMatrix(getComputedStyle(document.querySelector('.world')).transform); return { Scale: m.a, X: m.e, Y: m.f } })()`)
	}
	fitted := camera()
	vp := eval[struct{ X, Y, W, H float64 }](p, `(() => { const r = document.querySelector('.world-viewport').getBoundingClientRect(); return { X: r.left, Y: r.top, W: r.width, H: r.height } })()`)
	at := point{vp.X + 4, vp.Y + 4} // a corner: empty space, never a note
	// DevTools' wheel needs a deltaX that its JSON leaves out when 0: the
	// page gets the wheel event a mouse's notches make instead.
	eval[bool](p, fmt.Sprintf(`document.querySelector('.world-viewport').dispatchEvent(new WheelEvent('wheel', { deltaY: -300, clientX: %f, clientY: %f, bubbles: true, cancelable: true }))`, at.X, at.Y))
	p.waitFor("the wheel's zoom", fmt.Sprintf(`new DOMMatrix(getComputedStyle(document.querySelector('.world')).transform).a > %f`, fitted.Scale*1.5))
	zoomed := camera()
	p.mouse(input.DispatchMouseEventTypeMousePressed, at)
	for i := 1; i <= 5; i++ {
		p.mouse(input.DispatchMouseEventTypeMouseMoved, point{at.X + float64(40*i), at.Y + float64(30*i)})
	}
	p.mouse(input.DispatchMouseEventTypeMouseReleased, point{at.X + 200, at.Y + 150})
	panned := camera()
	if panned.Scale != zoomed.Scale || panned.X-zoomed.X < 150 || panned.Y-zoomed.Y < 100 {
		p.t.Errorf("%s: dragging empty space by (200, 150) moved the camera from %+v to %+v", p.name, zoomed, panned)
	}
	p.do(chromedp.KeyEvent("0"))
	p.waitFor("fitted again", fmt.Sprintf(`Math.abs(new DOMMatrix(getComputedStyle(document.querySelector('.world')).transform).a - %f) < 0.001`, fitted.Scale))
}
