package wire

// Default limits: 4 MiB per value, gRPC's default maximum message size,
// and a message 64 KiB larger, so that a value at the value limit fits in
// a message with its framing, keys and other fields (a keyvalue get of a
// 4 MiB value, say).
const (
	DefaultMaxValue   = 4 << 20        // 4 MiB
	DefaultMaxMessage = 4<<20 + 64<<10 // 4 MiB + 64 KiB
)

// Limits bounds what is accepted from a peer, so that a length prefix never
// makes a reader allocate more than the limit, whatever the peer claims.
//
// A zero or negative field means "use the default"; so the zero Limits is the
// same as [DefaultLimits]. There is no "unlimited": set a large value instead.
type Limits struct {
	// MaxValue bounds a single string or list value: the byte length of a
	// string or list<u8> (and of a resource handle), and the element count of
	// any other list. A Decoder refuses a longer value before the caller
	// allocates anything for it.
	MaxValue int

	// MaxMessage bounds a whole message as it travels on the wire: every byte
	// of one wRPC request (version, header, frames) or response (frames). It is
	// enforced by whoever reads the message off the connection (package wrpc),
	// before the bytes are allocated. A Decoder receives a message that is
	// already in memory and applies only MaxValue.
	MaxMessage int
}

// DefaultLimits returns the default limits: 4 MiB per value and 4 MiB +
// 64 KiB per message.
func DefaultLimits() Limits {
	return Limits{MaxValue: DefaultMaxValue, MaxMessage: DefaultMaxMessage}
}

// WithDefaults returns l with every zero or negative field replaced by its default.
func (l Limits) WithDefaults() Limits {
	if l.MaxValue <= 0 {
		l.MaxValue = DefaultMaxValue
	}
	if l.MaxMessage <= 0 {
		l.MaxMessage = DefaultMaxMessage
	}
	return l
}
