package wrpc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/witgo-dev/witgo/runtime/wire"
)

// Version is the wRPC framing version byte that starts every request.
const Version byte = 0x00

// Sentinel errors; the errors this package returns wrap them (errors.Is).
var (
	// ErrNoResult: the server ended the invocation without sending any result
	// frame. Our server does that, on purpose, when it does not know the
	// instance or function, when the request is malformed or over its limits,
	// and when the handler fails or panics; the server log says which.
	ErrNoResult = errors.New("server ended invocation without a result (likely causes: unknown instance or function, malformed or oversized request, or handler failure; see the server log)")

	// ErrAsync: a pending future or stream (a frame on a non-empty path, or
	// a status byte 0) arrived in a synchronous call, for a function whose
	// signature has no async value (or from hand-written code that reads
	// frames with FrameReader). Functions with async values are served and
	// invoked as async calls, which accept them (see the package doc).
	ErrAsync = errors.New("pending async value (future or stream sent on its own frame path) is not supported by this runtime")

	// ErrVersion: the request does not start with version byte 0x00.
	ErrVersion = errors.New("unsupported wRPC framing version")
)

// AppendHeader appends the start of a request to b: the version byte 0x00 and
// the header record {instance: string, name: string}.
func AppendHeader(b []byte, instance, name string) []byte {
	b = append(b, Version)
	b = wire.AppendString(b, instance)
	return wire.AppendString(b, name)
}

// AppendFrame appends a frame {path: list<u32>, data: list<u8>} to b. The
// synchronous (root) parameters or results travel with the empty path.
func AppendFrame(b []byte, path []uint32, data []byte) []byte {
	b = wire.AppendLen(b, len(path))
	for _, p := range path {
		b = wire.AppendU32(b, p)
	}
	return wire.AppendBytes(b, data)
}

// AppendRequest appends a whole request with its parameters in one root
// frame, byte for byte what the wRPC clients (Go and Rust) write: version,
// header, then the frame {path: [], data: params}. A frame is written even
// when params is empty.
func AppendRequest(b []byte, instance, name string, params []byte) []byte {
	b = AppendHeader(b, instance, name)
	return AppendFrame(b, nil, params)
}

// A FrameReader reads one framed wRPC stream: a request (ReadHeader, then
// frames) or a response (frames only). Every length prefix is checked against
// the limits before anything is allocated, data is read with io.ReadFull
// semantics (a short read is never data), and every byte read counts against
// MaxMessage. Frames on a non-empty path (pending async values) are refused
// with ErrAsync.
type FrameReader struct {
	r frameReader
}

// NewFrameReader returns a FrameReader reading from r under lim (zero fields
// mean the defaults). It reads r through a bufio.Reader (r itself if it is one).
func NewFrameReader(r io.Reader, lim wire.Limits) *FrameReader {
	br, ok := r.(*bufio.Reader)
	if !ok {
		br = bufio.NewReader(r)
	}
	return &FrameReader{r: frameReader{br: br, lim: lim.WithDefaults()}}
}

// ReadHeader reads the version byte and the header of a request.
func (r *FrameReader) ReadHeader() (instance, name string, err error) {
	inst, nm, err := r.r.readHeader(nil)
	return string(inst), string(nm), err
}

// ReadFrame reads one frame and appends its data to dst. At a clean end of
// the stream (EOF before a frame starts) it returns dst and io.EOF.
func (r *FrameReader) ReadFrame(dst []byte) ([]byte, error) { return r.r.readFrame(dst) }

// ReadAll reads frames until the end of the stream and appends the data of
// all of them, in order, to dst; frames is how many it read. A data stream
// split over several frames is thus put back together.
func (r *FrameReader) ReadAll(dst []byte) (data []byte, frames int, err error) {
	return r.r.readAll(dst)
}

// Consumed returns the number of bytes read so far.
func (r *FrameReader) Consumed() int { return r.r.n }

// frameReader is the allocation-free core of FrameReader, used by value by
// the client and the server.
type frameReader struct {
	br     *bufio.Reader
	lim    wire.Limits // with defaults applied
	n      int         // bytes consumed, counted against MaxMessage
	frames int         // frames read

	// inv is the invocation read, on the server (nil on the client): its
	// reserve is called with the declared length of each name and frame,
	// once it is checked against the limits and before any of its bytes
	// are read (all or nothing, so that many half-read requests cannot
	// share out the room and all stall); its dataLen with each frame's
	// declared data length.
	inv *invocation
}

// growChunk is how much a data buffer grows at least at a time while the
// bytes arrive: a peer that claims a large frame and sends little costs
// little.
const growChunk = 64 << 10

func (r *frameReader) readByte(what string) (byte, error) {
	b, err := r.br.ReadByte()
	if err != nil {
		return 0, err
	}
	if r.n >= r.lim.MaxMessage {
		return 0, r.messageLimit(what, 1)
	}
	r.n++
	return b, nil
}

func (r *frameReader) messageLimit(what string, more uint64) error {
	return fmt.Errorf("%s: %w", what, &wire.LimitError{What: "message size", Size: uint64(r.n) + more, Limit: "MaxMessage", Max: r.lim.MaxMessage})
}

// u32 reads an unsigned LEB128 u32. io.EOF is returned as is only when no
// byte of it was read; an EOF inside it becomes io.ErrUnexpectedEOF.
func (r *frameReader) u32(what string) (uint32, error) {
	var x uint32
	for i := 0; i < 5; i++ {
		b, err := r.readByte(what)
		if err != nil {
			if err == io.EOF && i > 0 {
				err = io.ErrUnexpectedEOF
			}
			if err == io.EOF {
				return 0, io.EOF
			}
			return 0, fmt.Errorf("%s: %w", what, err)
		}
		if i == 4 && b > 0x0f {
			return 0, fmt.Errorf("%s: %w: LEB128 u32 overlong or overflowing", what, wire.ErrInvalid)
		}
		x |= uint32(b&0x7f) << (7 * uint(i))
		if b < 0x80 {
			return x, nil
		}
	}
	return 0, fmt.Errorf("%s: %w: LEB128 u32 overlong or overflowing", what, wire.ErrInvalid)
}

// readData appends n bytes to dst; n has been checked against the limits
// (and reserved, on the server). The buffer grows as the bytes arrive, not
// as claimed, and never past what was claimed.
func (r *frameReader) readData(dst []byte, n int, what string) ([]byte, error) {
	want := len(dst) + n
	for len(dst) < want {
		if len(dst) == cap(dst) {
			nb := make([]byte, len(dst), min(want, max(2*cap(dst), len(dst)+growChunk)))
			copy(nb, dst)
			dst = nb
		}
		end := min(cap(dst), want)
		m, err := io.ReadFull(r.br, dst[len(dst):end])
		dst = dst[:len(dst)+m]
		r.n += m
		if err != nil {
			if err == io.EOF {
				err = io.ErrUnexpectedEOF
			}
			return dst, fmt.Errorf("%s: got %d of %d bytes: %w", what, len(dst)-(want-n), n, err)
		}
	}
	return dst, nil
}

// readName reads a header string into dst (bounded by MaxValue) and checks
// it is UTF-8.
func (r *frameReader) readName(dst []byte, what, lenWhat string) ([]byte, error) {
	n, err := r.u32(lenWhat)
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("%s: %w", lenWhat, io.ErrUnexpectedEOF)
		}
		return dst, err
	}
	if int64(n) > int64(r.lim.MaxValue) {
		return dst, fmt.Errorf("%s: %w", what, &wire.LimitError{What: lenWhat, Size: uint64(n), Limit: "MaxValue", Max: r.lim.MaxValue})
	}
	if uint64(r.n)+uint64(n) > uint64(r.lim.MaxMessage) {
		return dst, r.messageLimit(what, uint64(n))
	}
	if r.inv != nil {
		if err := r.inv.reserve(int(n)); err != nil {
			return dst, fmt.Errorf("%s: %w", what, err)
		}
	}
	start := len(dst)
	dst, err = r.readData(dst, int(n), what)
	if err != nil {
		return dst, err
	}
	if !utf8.Valid(dst[start:]) {
		return dst, fmt.Errorf("%s: %w: not valid UTF-8", what, wire.ErrInvalid)
	}
	return dst, nil
}

// readHeader reads the version byte and the header; the names are returned
// as slices of scratch (grown as needed).
func (r *frameReader) readHeader(scratch []byte) (instance, name []byte, err error) {
	v, err := r.readByte("version")
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("version byte: %w", io.ErrUnexpectedEOF)
		}
		return nil, nil, err
	}
	if v != Version {
		return nil, nil, fmt.Errorf("%w 0x%02x (want 0x00)", ErrVersion, v)
	}
	buf, err := r.readName(scratch[:0], "instance name", "instance name length")
	if err != nil {
		return nil, nil, err
	}
	split := len(buf)
	buf, err = r.readName(buf, "function name", "function name length")
	if err != nil {
		return nil, nil, err
	}
	return buf[:split:split], buf[split:], nil
}

// readFrame reads one frame and appends its data to dst; io.EOF means the
// stream ended cleanly before a frame.
func (r *frameReader) readFrame(dst []byte) ([]byte, error) {
	plen, err := r.u32("path length")
	if err == io.EOF {
		return dst, io.EOF
	}
	if err != nil {
		return dst, r.frameErr(err)
	}
	if plen != 0 {
		return dst, r.asyncFrame(plen)
	}
	n, err := r.u32("data length")
	if err != nil {
		if err == io.EOF {
			err = fmt.Errorf("data length: %w", io.ErrUnexpectedEOF)
		}
		return dst, r.frameErr(err)
	}
	if uint64(r.n)+uint64(n) > uint64(r.lim.MaxMessage) {
		return dst, r.frameErr(r.messageLimit("data", uint64(n)))
	}
	if r.inv != nil {
		if err := r.inv.reserve(int(n)); err != nil {
			return dst, r.frameErr(fmt.Errorf("data: %w", err))
		}
		r.inv.dataLen(int(n))
	}
	dst, err = r.readData(dst, int(n), "data")
	if err != nil {
		return dst, r.frameErr(err)
	}
	r.frames++
	return dst, nil
}

func (r *frameReader) frameErr(err error) error {
	return fmt.Errorf("frame %d: %w", r.frames, err)
}

// asyncFrame builds the error for a frame on a non-empty path, naming the
// path (its first elements, which it reads when they are there).
func (r *frameReader) asyncFrame(plen uint32) error {
	var sb strings.Builder
	sb.WriteByte('[')
	for i := uint32(0); i < plen && i < 8; i++ {
		p, err := r.u32("path element")
		if err != nil {
			sb.WriteString(" ...")
			break
		}
		if i > 0 {
			sb.WriteByte(' ')
		}
		sb.WriteString(strconv.FormatUint(uint64(p), 10))
	}
	if plen > 8 {
		sb.WriteString(" ...")
	}
	sb.WriteByte(']')
	return r.frameErr(fmt.Errorf("path %s: %w", sb.String(), ErrAsync))
}

// readAll reads frames to the end of the stream, appending their data to dst.
func (r *frameReader) readAll(dst []byte) ([]byte, int, error) {
	for {
		var err error
		dst, err = r.readFrame(dst)
		if err == io.EOF {
			return dst, r.frames, nil
		}
		if err != nil {
			return dst, r.frames, err
		}
	}
}
