package wrpc

import (
	"bufio"
	"io"
	"sync"
)

// readerSize is the size of the buffered readers: a small request or response
// arrives in one read; larger data bypasses the buffer (bufio reads straight
// into the destination when it is larger than the buffer).
const readerSize = 4 << 10

var readerPool = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, readerSize) }}

func getReader(r io.Reader) *bufio.Reader {
	br := readerPool.Get().(*bufio.Reader)
	br.Reset(r)
	return br
}

func putReader(br *bufio.Reader) {
	br.Reset(nil)
	readerPool.Put(br)
}

// maxPooledBuf bounds the buffers kept for reuse, so that one large message
// does not pin its memory.
const maxPooledBuf = 1 << 20

var bufPool = sync.Pool{New: func() any { b := make([]byte, 0, readerSize); return &b }}

func getBuf() *[]byte { return bufPool.Get().(*[]byte) }

func putBuf(b *[]byte) {
	if cap(*b) > maxPooledBuf {
		return
	}
	*b = (*b)[:0]
	bufPool.Put(b)
}
