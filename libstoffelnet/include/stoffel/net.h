/*
 * stoffel/net.h - the public API of libstoffelnet: QUIC networking between parties and clients
 * (ngtcp2 + GnuTLS on libevent), framed messages, pinned identities, the network configuration
 * file, the message envelope, and an in-memory transport with the same semantics for tests.
 *
 * Conventions (see stoffel/status.h): functions return 0 or a negative status code; handles are
 * opaque and come with a matching _free; a function that returns memory says who frees it. A
 * handle is used by one thread at a time; every endpoint runs on a libevent base the caller owns.
 *
 * Model. A network has n parties with ids 0..n-1 (full mesh) and any number of clients. A client
 * is known by the SHA-256 fingerprint of its certificate (its "key"). An endpoint (stoffel_net) is
 * one process's view: a party or a client. Messages are byte strings; on the wire each is a frame
 * (4-byte big-endian length + payload) on the single stream of a QUIC connection, so messages from
 * one sender arrive in the order they were sent. Sending to oneself and broadcasting (which
 * includes oneself) deliver locally without the network, asynchronously through the event base.
 *
 * Party links are dialled by the party with the higher id (party i dials every j < i); clients dial
 * every party. TLS ALPN tells party links ("stoffel-party/1") from client links
 * ("stoffel-client/1"). A party accepts a party link only from a certificate pinned in the network
 * configuration, and a client link only from an allowed key when the configuration restricts
 * clients; a dialler accepts only the pinned certificate of the party it dialled. Certificates
 * must be within their validity period and correctly self-signed.
 *
 * Delivery is at most once across a lost connection: messages not yet written to a connection are
 * kept and sent after reconnecting; bytes in flight on a connection that is lost are lost. A lost
 * link is noticed by the QUIC idle timeout, by a new connection from the same pinned party (it
 * restarted), or at once by a stateless reset from a restarted party (the reset key is derived
 * from the party's private key, so its next process can end its predecessor's connections). The
 * dialler redials with exponential backoff, at most reconnect_attempts times in a row, then the
 * link is CLOSED for good.
 *
 * For a networked MPC driver: create one endpoint per party process on the driver's event base,
 * set a message callback (sender id + bytes), stoffel_net_start, stoffel_net_wait_connected, then
 * stoffel_net_send / stoffel_net_broadcast envelopes (stoffel_net_envelope_encode) and decode what
 * arrives with stoffel_net_envelope_decode. Self-messages arrive through the loop like any other.
 */
#ifndef STOFFEL_NET_H
#define STOFFEL_NET_H

#include <stddef.h>
#include <stdint.h>

#include <stoffel/status.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Version of the headers this program was compiled against. */
#define STOFFEL_NET_VERSION_MAJOR 0
#define STOFFEL_NET_VERSION_MINOR 1
#define STOFFEL_NET_VERSION_PATCH 0
#define STOFFEL_NET_VERSION_STRING "0.1.0"

/* libstoffelnet's own status codes (-100s). */
enum {
    STOFFEL_NET_ERR_PEER_REFUSED = -101, /* the peer's certificate is not pinned/allowed/valid */
    STOFFEL_NET_ERR_HANDSHAKE = -102,    /* the TLS/QUIC handshake failed */
    STOFFEL_NET_ERR_CLOSED = -103,       /* the connection or endpoint is closed */
    STOFFEL_NET_ERR_CONFIG = -104,       /* the network configuration is invalid */
    STOFFEL_NET_ERR_CRYPTO = -105,       /* a key or certificate operation failed */
    STOFFEL_NET_ERR_CONSENSUS = -106     /* the parties disagree on who is in the network */
};

/* Size of a fingerprint (SHA-256) in bytes and as text ("sha256:" + 64 hex digits). */
#define STOFFEL_NET_FINGERPRINT_LEN 32
#define STOFFEL_NET_FINGERPRINT_TEXT_LEN 71

/* Default maximum message (frame payload) size: 64 MiB. */
#define STOFFEL_NET_DEFAULT_MAX_MESSAGE_BYTES (64u * 1024u * 1024u)

/* Opaque handles. */
typedef struct stoffel_net stoffel_net;                   /* one endpoint (party or client) */
typedef struct stoffel_net_identity stoffel_net_identity; /* a key pair + self-signed certificate */
typedef struct stoffel_net_config stoffel_net_config;     /* the network configuration */
typedef struct stoffel_net_mem_hub stoffel_net_mem_hub;   /* the in-memory "network" */
struct event_base;                                        /* libevent's event loop */

/*
 * Returns the version of the library actually loaded, as a static "MAJOR.MINOR.PATCH" string.
 * Compare it with STOFFEL_NET_VERSION_STRING to detect a header/library mismatch. Never fails.
 */
STOFFEL_API const char *stoffel_net_version(void);

/*
 * Returns the version of the library actually loaded as one number,
 * MAJOR * 10000 + MINOR * 100 + PATCH. Never fails.
 */
STOFFEL_API unsigned stoffel_net_version_number(void);

/*
 * Returns a static, human-readable description of a status code: a common code (stoffel/status.h),
 * one of this library's own codes, or a code of a library below it. Unknown codes give
 * "unknown status code". The string is never freed by the caller.
 */
STOFFEL_API const char *stoffel_net_strerror(int status);

/* ---------------------------------------------------------------------------------------------
 * Frames: a 4-byte big-endian payload length, then the payload.
 * ------------------------------------------------------------------------------------------- */

/*
 * Writes the 4-byte big-endian frame header for a payload of payload_len bytes into out[4].
 * Returns STOFFEL_ERR_LIMIT when payload_len > max_payload_bytes (nothing written).
 */
STOFFEL_API int stoffel_net_frame_header(size_t payload_len, size_t max_payload_bytes,
                                         uint8_t out[4]);

/*
 * Decodes the first frame of buf[0..len): on success sets *payload to point into buf (not a copy),
 * *payload_len, and *consumed to the bytes the frame took (4 + payload_len). Errors:
 * STOFFEL_ERR_MALFORMED for a truncated header or payload (len too short), STOFFEL_ERR_LIMIT when
 * the announced length exceeds max_payload_bytes (decided from the header alone).
 */
STOFFEL_API int stoffel_net_frame_decode(const uint8_t *buf, size_t len, size_t max_payload_bytes,
                                         const uint8_t **payload, size_t *payload_len,
                                         size_t *consumed);

/* ---------------------------------------------------------------------------------------------
 * Envelope: the msgpack message that MPC protocols put inside a frame. Wire form (version 1):
 * a msgpack array [1, protocol, session_id, round, sender, [part, ...]] where the integers are
 * unsigned and every part is a msgpack bin (raw bytes; a field-element vector travels as one part
 * of fixed-width little-endian elements). Decoding is strict: exactly this shape, no trailing
 * bytes, at most STOFFEL_NET_ENVELOPE_MAX_PARTS parts.
 * ------------------------------------------------------------------------------------------- */

#define STOFFEL_NET_ENVELOPE_MAX_PARTS 16

/* One byte-string part of an envelope (a view: it owns nothing). */
typedef struct stoffel_net_bytes {
    const uint8_t *data;
    size_t len;
} stoffel_net_bytes;

/* An envelope's fields. parts[] are views into the buffer that was decoded (or the caller's data). */
typedef struct stoffel_net_envelope {
    uint32_t protocol;   /* protocol number, assigned by the layer above */
    uint64_t session_id; /* session (computation instance) */
    uint64_t round;      /* protocol round */
    uint32_t sender;     /* sending party id */
    size_t part_count;   /* 0..STOFFEL_NET_ENVELOPE_MAX_PARTS */
    stoffel_net_bytes parts[STOFFEL_NET_ENVELOPE_MAX_PARTS];
} stoffel_net_envelope;

/*
 * Encodes env. On success *out is a malloc'd buffer the caller frees with stoffel_net_buffer_free
 * and *out_len its length. Errors: STOFFEL_ERR_INVALID_ARG (part_count too large, NULL part data
 * with nonzero length), STOFFEL_ERR_LIMIT (a part over 4 GiB), STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_net_envelope_encode(const stoffel_net_envelope *env, uint8_t **out,
                                            size_t *out_len);

/*
 * Decodes buf[0..len) into *env; parts point into buf, which must outlive their use. Errors:
 * STOFFEL_ERR_MALFORMED (wrong shape, wrong types, truncated, trailing bytes, version not 1,
 * integers out of range), STOFFEL_ERR_LIMIT (more than STOFFEL_NET_ENVELOPE_MAX_PARTS parts).
 */
STOFFEL_API int stoffel_net_envelope_decode(const uint8_t *buf, size_t len,
                                            stoffel_net_envelope *env);

/* Frees a buffer returned by this library (envelopes, received messages). NULL is allowed. */
STOFFEL_API void stoffel_net_buffer_free(void *buf);

/* ---------------------------------------------------------------------------------------------
 * Identities: a key pair (Ed25519) with a self-signed X.509 certificate.
 * ------------------------------------------------------------------------------------------- */

/* Options of stoffel_net_identity_generate. Versioned: set struct_size (the _defaults does). */
typedef struct stoffel_net_identity_options {
    uint32_t struct_size;
    const char *common_name; /* certificate subject CN; default "stoffel" */
    int64_t not_before;      /* validity start, Unix seconds; 0 = now minus one hour */
    int64_t not_after;       /* validity end, Unix seconds; 0 = not_before plus 20 years */
} stoffel_net_identity_options;

/* Fills *opts with the defaults. */
STOFFEL_API void stoffel_net_identity_options_defaults(stoffel_net_identity_options *opts);

/*
 * Generates a fresh Ed25519 key pair and self-signed certificate. opts may be NULL (defaults).
 * On success *out is a new identity the caller frees with stoffel_net_identity_free. Errors:
 * STOFFEL_ERR_INVALID_ARG (not_after <= not_before), STOFFEL_NET_ERR_CRYPTO, STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_net_identity_generate(const stoffel_net_identity_options *opts,
                                              stoffel_net_identity **out);

/*
 * Loads an identity from a PEM certificate file and a PEM private key file (PKCS#8 or the
 * algorithm's native form). errbuf (may be NULL) receives a message naming the file and the
 * problem. Errors: STOFFEL_ERR_IO (cannot read), STOFFEL_ERR_MALFORMED (not a certificate/key),
 * STOFFEL_NET_ERR_CRYPTO (the key does not belong to the certificate), STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_net_identity_load(const char *cert_path, const char *key_path,
                                          stoffel_net_identity **out, char *errbuf,
                                          size_t errbuf_len);

/*
 * Writes the identity as PEM: the certificate to cert_path (mode 0644) and the private key to
 * key_path (created with mode 0600; an existing file is refused so a key is never overwritten by
 * accident). Errors: STOFFEL_ERR_IO (with the path in errbuf), STOFFEL_NET_ERR_CRYPTO.
 */
STOFFEL_API int stoffel_net_identity_save(const stoffel_net_identity *id, const char *cert_path,
                                          const char *key_path, char *errbuf, size_t errbuf_len);

/* Copies the SHA-256 fingerprint of the identity's certificate (DER) into out. */
STOFFEL_API void stoffel_net_identity_fingerprint(const stoffel_net_identity *id,
                                                  uint8_t out[STOFFEL_NET_FINGERPRINT_LEN]);

/* Frees an identity, zeroing its private key. NULL is allowed. */
STOFFEL_API void stoffel_net_identity_free(stoffel_net_identity *id);

/* Formats a fingerprint as "sha256:<64 lowercase hex>" into out (NUL-terminated). */
STOFFEL_API void stoffel_net_fingerprint_format(const uint8_t fp[STOFFEL_NET_FINGERPRINT_LEN],
                                                char out[STOFFEL_NET_FINGERPRINT_TEXT_LEN + 1]);

/*
 * Parses "sha256:<64 hex>" (upper or lower case; the "sha256:" prefix is optional; ':' between
 * byte pairs allowed) into out. Returns STOFFEL_ERR_MALFORMED for anything else.
 */
STOFFEL_API int stoffel_net_fingerprint_parse(const char *text,
                                              uint8_t out[STOFFEL_NET_FINGERPRINT_LEN]);

/* ---------------------------------------------------------------------------------------------
 * Network configuration: who the parties are, where they listen, which keys are pinned.
 *
 * File format (TOML subset):
 *     [network]
 *     parties = 3            # optional; must equal the number of [[party]] tables
 *     threshold = 1          # optional MPC threshold t: t >= 1 and parties >= 2t+1
 *     restrict_clients = true  # optional, default false: only [[client]] keys may connect
 *     [[party]]
 *     id = 0
 *     address = "127.0.0.1:9000"
 *     fingerprint = "sha256:0123..."
 *     [[client]]
 *     fingerprint = "sha256:..."
 * Party ids must be exactly 0..n-1, each once.
 * ------------------------------------------------------------------------------------------- */

/*
 * Parses a configuration from text (len bytes; need not be NUL-terminated). name is used in
 * messages (e.g. the file name). On error errbuf receives "name:line:column: problem; fix".
 * Errors: STOFFEL_ERR_MALFORMED (TOML syntax), STOFFEL_NET_ERR_CONFIG (valid TOML, wrong content),
 * STOFFEL_ERR_NOMEM. On success the caller frees *out with stoffel_net_config_free.
 */
STOFFEL_API int stoffel_net_config_parse(const char *text, size_t len, const char *name,
                                         stoffel_net_config **out, char *errbuf,
                                         size_t errbuf_len);

/* Reads and parses a configuration file; as stoffel_net_config_parse plus STOFFEL_ERR_IO. */
STOFFEL_API int stoffel_net_config_load(const char *path, stoffel_net_config **out, char *errbuf,
                                        size_t errbuf_len);

/*
 * Creates an empty configuration for n parties (1..1024) for programs that build it in code; every
 * party must then be set with stoffel_net_config_set_party before use. Errors: INVALID_ARG, NOMEM.
 */
STOFFEL_API int stoffel_net_config_new(uint32_t n_parties, stoffel_net_config **out);

/*
 * Sets party id's address (host must be a numeric IPv4/IPv6 address or "localhost"; port 0..65535,
 * 0 meaning "any free port" when binding) and pinned certificate fingerprint (NULL keeps the
 * current one). Errors: STOFFEL_ERR_INVALID_ARG (id out of range, bad host), STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_net_config_set_party(stoffel_net_config *cfg, uint32_t id,
                                             const char *host, uint16_t port,
                                             const uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN]);

/*
 * Adds a client key to the allowlist and turns client restriction on (only listed clients may
 * connect). Errors: STOFFEL_ERR_NOMEM.
 */
STOFFEL_API int stoffel_net_config_allow_client(stoffel_net_config *cfg,
                                                const uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN]);

/* Number of parties. */
STOFFEL_API uint32_t stoffel_net_config_party_count(const stoffel_net_config *cfg);

/* The threshold t from [network] threshold, or 0 when the file gives none. */
STOFFEL_API uint32_t stoffel_net_config_threshold(const stoffel_net_config *cfg);

/*
 * Reads party id's address and fingerprint. *host points into cfg (valid until it changes or is
 * freed). Any output pointer may be NULL. Errors: STOFFEL_ERR_INVALID_ARG (id out of range).
 */
STOFFEL_API int stoffel_net_config_party(const stoffel_net_config *cfg, uint32_t id,
                                         const char **host, uint16_t *port,
                                         uint8_t fingerprint[STOFFEL_NET_FINGERPRINT_LEN]);

/* Frees a configuration. NULL is allowed. */
STOFFEL_API void stoffel_net_config_free(stoffel_net_config *cfg);

/* ---------------------------------------------------------------------------------------------
 * Endpoints.
 * ------------------------------------------------------------------------------------------- */

/* Connection states of a link to one peer. */
typedef enum stoffel_net_state {
    STOFFEL_NET_STATE_CONNECTING = 0, /* dialling / handshaking / waiting to be dialled */
    STOFFEL_NET_STATE_CONNECTED = 1,  /* messages flow */
    STOFFEL_NET_STATE_CLOSING = 2,    /* we are closing the link */
    STOFFEL_NET_STATE_CLOSED = 3,     /* closed for good (by us, or reconnect attempts exhausted) */
    STOFFEL_NET_STATE_LOST = 4        /* the link broke; a reconnect may follow */
} stoffel_net_state;

/* Kinds of peer. */
enum { STOFFEL_NET_PEER_PARTY = 0, STOFFEL_NET_PEER_CLIENT = 1 };

/* Who a message came from or a state change is about. */
typedef struct stoffel_net_peer {
    int kind;          /* STOFFEL_NET_PEER_PARTY or STOFFEL_NET_PEER_CLIENT */
    uint32_t party_id; /* for parties */
    uint8_t key[STOFFEL_NET_FINGERPRINT_LEN]; /* certificate fingerprint (all zero on the in-memory
                                                 transport for parties) */
} stoffel_net_peer;

/*
 * Called on the event base for every message received (including from oneself). data is valid
 * only during the call. When no callback is set, messages are queued for stoffel_net_recv.
 */
typedef void (*stoffel_net_message_fn)(void *user, const stoffel_net_peer *from,
                                       const uint8_t *data, size_t len);

/* Called on the event base when the link to a peer changes state; status explains CLOSED/LOST. */
typedef void (*stoffel_net_state_fn)(void *user, const stoffel_net_peer *peer,
                                     stoffel_net_state state, int status);

/* Endpoint options. Versioned: set struct_size (stoffel_net_options_defaults does). */
typedef struct stoffel_net_options {
    uint32_t struct_size;
    size_t max_message_bytes;         /* default 64 MiB; larger sends fail, larger frames kill the link */
    uint32_t connect_timeout_ms;      /* one dial attempt incl. handshake; default 5000 */
    uint32_t idle_timeout_ms;         /* QUIC idle timeout; default 30000 (keep-alive at 1/3) */
    uint32_t reconnect_attempts;      /* dial attempts after the first before giving up; default 5 */
    uint32_t reconnect_backoff_ms;    /* first backoff, doubled per attempt; default 100 */
    uint32_t reconnect_backoff_max_ms;/* backoff ceiling; default 5000 */
    uint32_t max_udp_payload_bytes;   /* largest UDP datagram we send, 1200..65527; default 0 =
                                         automatic: 16384 to loopback addresses, 1452 elsewhere */
    /* Optional consensus gate of party endpoints (see below): on when both counts are set, off
     * when both are STOFFEL_NET_GATE_OFF (the default); setting only one is an error. */
    uint32_t expected_parties;        /* must equal the configuration's party count */
    uint32_t expected_clients;        /* clients that must be connected (0 allowed) */
    uint32_t consensus_timeout_ms;    /* default 60000 */
} stoffel_net_options;

/* "Not set" for the consensus gate's counts. */
#define STOFFEL_NET_GATE_OFF 0xffffffffu

/*
 * The consensus gate (spec net-cli 2.5). Once every party link is connected and exactly
 * expected_clients clients are connected, a party takes a snapshot -- the sorted pinned party keys
 * and the sorted keys of the connected clients -- and sends the SHA-256 digest and count of each
 * list to every other party as the first frame of each party connection (a gate frame, never
 * delivered to the application). The gate opens when every other party's snapshot equals ours.
 * Until then sends are queued, not written, and stoffel_net_wait_connected keeps waiting. A
 * different snapshot closes every party link with STOFFEL_NET_ERR_CONSENSUS and a message naming
 * the party; no agreement within consensus_timeout_ms (from stoffel_net_start) closes them with
 * STOFFEL_ERR_TIMEOUT naming what is missing. Client endpoints and the in-memory transport ignore
 * the gate settings (clients do not receive the party key list).
 */

/* Fills *opts with the defaults. */
STOFFEL_API void stoffel_net_options_defaults(stoffel_net_options *opts);

/*
 * Creates a libevent base suited to QUIC endpoints: its timers are precise (timerfd on Linux)
 * instead of epoll's millisecond timeouts, which would round every sub-millisecond pacing and
 * loss-detection timer up to 1 ms and so add about a millisecond to every round trip on loopback.
 * Any base works with the endpoints; this one keeps round latency low. Returns NULL when libevent
 * cannot create a base (out of memory or descriptors). Free it with event_base_free() after every
 * endpoint on it.
 */
STOFFEL_API struct event_base *stoffel_net_event_base_new(void);

/*
 * Creates party my_id's QUIC endpoint on base: binds its UDP socket to the configured address of
 * my_id (port 0 picks a free port, see stoffel_net_local_port). cfg and id are only read during
 * the call (the endpoint keeps its own copies; both may be freed afterwards). opts may be NULL
 * (defaults). Nothing is dialled until
 * stoffel_net_start. Errors: INVALID_ARG, STOFFEL_ERR_IO (bind failed: message in errbuf),
 * STOFFEL_NET_ERR_CONFIG (my identity is not the one pinned for my_id), NOMEM.
 */
STOFFEL_API int stoffel_net_quic_party_new(struct event_base *base, const stoffel_net_config *cfg,
                                           uint32_t my_id, const stoffel_net_identity *id,
                                           const stoffel_net_options *opts, stoffel_net **out,
                                           char *errbuf, size_t errbuf_len);

/*
 * Creates a client's QUIC endpoint on base (ephemeral UDP port); stoffel_net_start dials every
 * party of cfg. Same ownership and errors as stoffel_net_quic_party_new.
 */
STOFFEL_API int stoffel_net_quic_client_new(struct event_base *base, const stoffel_net_config *cfg,
                                            const stoffel_net_identity *id,
                                            const stoffel_net_options *opts, stoffel_net **out,
                                            char *errbuf, size_t errbuf_len);

/* The local UDP port an endpoint is bound to (0 for in-memory endpoints). */
STOFFEL_API uint16_t stoffel_net_local_port(const stoffel_net *net);

/*
 * Changes where party id is dialled (e.g. after learning a port chosen by the OS). Takes effect at
 * the next dial. Errors: INVALID_ARG (id out of range, bad host).
 */
STOFFEL_API int stoffel_net_set_party_address(stoffel_net *net, uint32_t id, const char *host,
                                              uint16_t port);

/* Creates an in-memory network for n parties (1..1024). Free it after all its endpoints. */
STOFFEL_API int stoffel_net_mem_hub_new(uint32_t n_parties, stoffel_net_mem_hub **out);

/* Frees an in-memory network. NULL is allowed. */
STOFFEL_API void stoffel_net_mem_hub_free(stoffel_net_mem_hub *hub);

/*
 * Creates party my_id's endpoint on an in-memory hub. All endpoints of one hub must run on event
 * bases driven by the same thread. Errors: INVALID_ARG, STOFFEL_ERR_STATE (my_id already taken).
 */
STOFFEL_API int stoffel_net_mem_party_new(stoffel_net_mem_hub *hub, struct event_base *base,
                                          uint32_t my_id, const stoffel_net_options *opts,
                                          stoffel_net **out);

/* Creates a client endpoint known by key on an in-memory hub. Errors: INVALID_ARG, NOMEM. */
STOFFEL_API int stoffel_net_mem_client_new(stoffel_net_mem_hub *hub, struct event_base *base,
                                           const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                           const stoffel_net_options *opts, stoffel_net **out);

/*
 * Sets the callbacks (either may be NULL) and their user pointer. Messages already queued for
 * stoffel_net_recv stay there. Errors: INVALID_ARG.
 */
STOFFEL_API int stoffel_net_set_callbacks(stoffel_net *net, stoffel_net_message_fn on_message,
                                          stoffel_net_state_fn on_state, void *user);

/* Starts connecting (dialling and accepting). Errors: STOFFEL_ERR_STATE (already started), IO. */
STOFFEL_API int stoffel_net_start(stoffel_net *net);

/*
 * Sends a copy of data[0..len) to party `to` (to == own id: local delivery). Queued; never blocks.
 * Errors: INVALID_ARG (to out of range), STOFFEL_ERR_LIMIT (len > max_message_bytes),
 * STOFFEL_NET_ERR_CLOSED (the link to `to` is CLOSED for good, or the endpoint is closing), NOMEM.
 */
STOFFEL_API int stoffel_net_send(stoffel_net *net, uint32_t to, const uint8_t *data, size_t len);

/* Sends a copy to every party including oneself (a client: every party). Errors as _send. */
STOFFEL_API int stoffel_net_broadcast(stoffel_net *net, const uint8_t *data, size_t len);

/*
 * Sends a copy to the client with certificate fingerprint key (parties only). Errors:
 * STOFFEL_ERR_NOT_FOUND (no such client connected), LIMIT, STATE (called on a client), NOMEM.
 */
STOFFEL_API int stoffel_net_send_client(stoffel_net *net,
                                        const uint8_t key[STOFFEL_NET_FINGERPRINT_LEN],
                                        const uint8_t *data, size_t len);

/*
 * Called once the transport no longer needs a buffer handed over with stoffel_net_send_owned or
 * stoffel_net_broadcast_owned (the message was acknowledged by the peer, delivered, copied,
 * refused, or dropped because the endpoint was freed). user and data are what was passed to the
 * send, len its length. Runs on the endpoint's thread, possibly inside the send call itself or
 * inside stoffel_net_close/stoffel_net_free; it must not call into the endpoint.
 */
typedef void (*stoffel_net_release_fn)(void *user, uint8_t *data, size_t len);

/*
 * Sends data[0..len) to party `to` without copying it: the transport takes ownership of the
 * buffer, writes the network packets straight from it, and calls release(user, data, len) exactly
 * once when done with it -- also when the call fails (then before it returns), so the caller
 * never frees data itself after this call. The bytes must stay unchanged until the release.
 * Where a copy is needed anyway (to oneself, the in-memory transport) the call copies and
 * releases at once. Errors as stoffel_net_send, and INVALID_ARG when release is NULL (nothing is
 * released then).
 */
STOFFEL_API int stoffel_net_send_owned(stoffel_net *net, uint32_t to, uint8_t *data, size_t len,
                                       stoffel_net_release_fn release, void *user);

/*
 * Broadcasts one buffer to every party including oneself (a client: every party) without a copy
 * per destination: all links write from the same bytes, and release(user, data, len) runs once,
 * after the last of them is done (or at once on failure, as stoffel_net_send_owned). Returns the
 * first error of any destination; the others still get the message.
 */
STOFFEL_API int stoffel_net_broadcast_owned(stoffel_net *net, uint8_t *data, size_t len,
                                            stoffel_net_release_fn release, void *user);

/*
 * Blocking convenience: runs the event base until a queued message is available or timeout_ms
 * passes (negative = no limit), then hands it over: *data is malloc'd (free with
 * stoffel_net_buffer_free; non-NULL even for an empty message), *len its length, *from (may be
 * NULL) the sender. Only meaningful when no message callback is set. Errors: STOFFEL_ERR_TIMEOUT,
 * STOFFEL_ERR_STATE (a message callback is set).
 */
STOFFEL_API int stoffel_net_recv(stoffel_net *net, int timeout_ms, stoffel_net_peer *from,
                                 uint8_t **data, size_t *len);

/*
 * Runs the event base until every party link of this endpoint is CONNECTED (a client: links to all
 * parties). Errors: STOFFEL_ERR_TIMEOUT after timeout_ms, or earlier with the link's status
 * (e.g. STOFFEL_ERR_TIMEOUT, STOFFEL_NET_ERR_PEER_REFUSED) once some link is CLOSED for good; the
 * message (stoffel_net_last_error) names the party.
 */
STOFFEL_API int stoffel_net_wait_connected(stoffel_net *net, int timeout_ms);

/*
 * Runs the event base until every message queued for sending has been handed to the network and
 * acknowledged by the peer (QUIC) or delivered (in-memory), or timeout_ms passes. Errors: TIMEOUT,
 * STOFFEL_NET_ERR_CLOSED (a link with pending data closed for good).
 */
STOFFEL_API int stoffel_net_flush(stoffel_net *net, int timeout_ms);

/*
 * Closes the endpoint gracefully without freeing it: first runs the event base until queued
 * messages are acknowledged (at most timeout_ms), then reports every live link CLOSING and closes
 * it (QUIC: CONNECTION_CLOSE, so peers notice at once), then reports it CLOSED with status 0.
 * Afterwards sends fail with STOFFEL_NET_ERR_CLOSED and nothing is accepted or dialled; free the
 * endpoint with stoffel_net_free. Returns 0, or STOFFEL_ERR_TIMEOUT / STOFFEL_NET_ERR_CLOSED when
 * some messages could not be delivered first (the endpoint is closed all the same). Calling it
 * again does nothing. Must not be called from inside one of the endpoint's callbacks.
 */
STOFFEL_API int stoffel_net_close(stoffel_net *net, int timeout_ms);

/* Current state of the link to party id (own id: CONNECTED). */
STOFFEL_API stoffel_net_state stoffel_net_party_state(const stoffel_net *net, uint32_t id);

/* Own party id, or -1 for a client endpoint. */
STOFFEL_API int stoffel_net_my_id(const stoffel_net *net);

/* Number of parties of the network. */
STOFFEL_API uint32_t stoffel_net_party_count(const stoffel_net *net);

/* The message of the last failure on this endpoint ("" if none). Valid until the next call. */
STOFFEL_API const char *stoffel_net_last_error(const stoffel_net *net);

/*
 * Closes every connection (QUIC: sends CONNECTION_CLOSE) and frees the endpoint. Queued but
 * unsent messages are dropped; call stoffel_net_flush first to deliver them. NULL is allowed.
 * Must not be called from inside one of the endpoint's callbacks.
 */
STOFFEL_API void stoffel_net_free(stoffel_net *net);

#ifdef __cplusplus
}
#endif

#endif /* STOFFEL_NET_H */
