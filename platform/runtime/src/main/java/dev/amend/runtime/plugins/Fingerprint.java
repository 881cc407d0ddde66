package dev.amend.runtime.plugins;

/** What identifies one state of a file: a changed jar has another size, modification time or file key. */
record Fingerprint(long size, long modifiedNanos, Object fileKey) {
    /** The state of a file that is not there. */
    static final Fingerprint ABSENT = new Fingerprint(-1, -1, null);
}
