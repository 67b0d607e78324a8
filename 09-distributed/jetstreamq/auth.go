package jetstreamq

import (
	"crypto/hmac"
	"crypto/sha256"
	"errors"
	"fmt"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nkeys"
)

// The shared key is turned into an NKey, an Ed25519 key pair, rather than
// sent as a token. With a token the key itself crosses the network in the
// client's first message, readable by anyone on the path unless TLS is on.
// With an NKey the server sends a fresh nonce, the client signs it, and the
// server checks the signature against the public key it was configured
// with: the key never leaves either process, as with the rpc transport's
// HMAC handshake, and the server holds only the public half. Both sides
// derive the same pair from the same key, so nothing changes for the user:
// one key, given to master and workers.
const nkeyLabel = "multitask 09-distributed jetstreamq user nkey v1"

// userKey derives the Ed25519 user key pair of key.
func userKey(key []byte) (nkeys.KeyPair, error) {
	if len(key) == 0 {
		return nil, errors.New("no key: master and workers need the same non-empty key")
	}
	mac := hmac.New(sha256.New, key)
	mac.Write([]byte(nkeyLabel))
	return nkeys.FromRawSeed(nkeys.PrefixByteUser, mac.Sum(nil))
}

// UserPublicKey is the public NKey ("U…") that key stands for. An existing
// nats-server lets master and workers in when its configuration lists it:
//
//	authorization { users = [ { nkey: U… } ] }
func UserPublicKey(key []byte) (string, error) {
	kp, err := userKey(key)
	if err != nil {
		return "", err
	}
	return kp.PublicKey()
}

// connectTimeout bounds dialling the server and its greeting.
const connectTimeout = 5 * time.Second

// connect opens a NATS connection to url that proves key. extra are the
// caller's options (TLS, credentials of a real deployment), applied last;
// logf is told what the library reports on its own (a slow consumer).
//
// A deployment whose server authenticates users its own way (JWT
// credentials from an operator) passes them in extra and no key: NATS
// allows one way per connection.
func connect(url string, key []byte, name string, logf func(string, ...any), extra []nats.Option) (*nats.Conn, error) {
	var auth []nats.Option
	if len(key) > 0 || len(extra) == 0 {
		kp, err := userKey(key)
		if err != nil {
			return nil, err
		}
		pub, err := kp.PublicKey()
		if err != nil {
			return nil, err
		}
		auth = append(auth, nats.Nkey(pub, kp.Sign))
	}
	opts := append(auth,
		nats.Name(name),
		nats.Timeout(connectTimeout),
		// A connection that breaks tries to come back (a restarted server
		// keeps its streams); a worker waiting for tasks gives up after
		// lostLimit, a master's wait for results after its timeout.
		nats.MaxReconnects(-1),
		nats.ReconnectWait(250*time.Millisecond),
		nats.NoCallbacksAfterClientClose(),
		// The library would print these on stderr; they go where the
		// caller's other log lines go.
		nats.ErrorHandler(func(_ *nats.Conn, _ *nats.Subscription, err error) { logf("NATS: %v", err) }),
	)
	opts = append(opts, extra...)
	nc, err := nats.Connect(url, opts...)
	if errors.Is(err, nats.ErrAuthorization) {
		return nil, fmt.Errorf("%s refused our key (authorization violation): master and workers need the same key", url)
	}
	if err != nil {
		return nil, fmt.Errorf("connect to %s: %w", url, err)
	}
	return nc, nil
}
