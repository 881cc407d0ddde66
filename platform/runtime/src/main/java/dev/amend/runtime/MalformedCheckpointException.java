package dev.amend.runtime;

import dev.amend.spi.InvalidRequestException;
import java.nio.file.Path;

/** A checkpoint or tokenizer file that cannot be read; the message names the file and the problem. */
public class MalformedCheckpointException extends InvalidRequestException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception for {@code file} with a description of the problem. */
    public MalformedCheckpointException(Path file, String problem) {
        super(file + ": " + problem);
    }

    /** Creates the exception for {@code file} with a description of the problem and its cause. */
    public MalformedCheckpointException(Path file, String problem, Throwable cause) {
        super(file + ": " + problem, cause);
    }
}
