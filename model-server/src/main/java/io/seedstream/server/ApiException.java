package io.seedstream.server;

/**
 * A request the server refuses: the HTTP status and a reason the caller can act on, sent as JSON,
 * and for a refusal that passes (429, 503) the seconds after which to retry.
 */
public final class ApiException extends RuntimeException {

    private final int status;
    private final long retryAfterSeconds;

    public ApiException(int status, String reason) {
        this(status, reason, 0);
    }

    public ApiException(int status, String reason, long retryAfterSeconds) {
        super(reason);
        this.status = status;
        this.retryAfterSeconds = retryAfterSeconds;
    }

    public int status() {
        return status;
    }

    /** 0: no Retry-After. */
    public long retryAfterSeconds() {
        return retryAfterSeconds;
    }
}
