package io.seedstream.server;

/** A request the server refuses: the HTTP status and a reason the caller can act on, sent as JSON. */
public final class ApiException extends RuntimeException {

    private final int status;

    public ApiException(int status, String reason) {
        super(reason);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
