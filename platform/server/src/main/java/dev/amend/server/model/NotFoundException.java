package dev.amend.server.model;

/** A request named something that does not exist (a model, an edit, a job): answered 404 / NOT_FOUND. */
public class NotFoundException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    /** Creates the exception with a message naming what is missing and what exists. */
    public NotFoundException(String message) {
        super(message);
    }
}
