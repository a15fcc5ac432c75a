package io.seedstream.records;

/** Bytes that are not a valid record of the expected type; the message is the reason for a dead letter. */
public final class InvalidRecordException extends Exception {

    public InvalidRecordException(String reason) {
        super(reason);
    }

    public InvalidRecordException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
