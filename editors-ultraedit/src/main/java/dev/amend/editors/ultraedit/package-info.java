/**
 * UltraEdit: lifelong editing with no layer statistics and no training; each edit batch's weight change solved in
 * closed form from its keys and its loss gradients, normalised by running statistics of all edits so far.
 */
package dev.amend.editors.ultraedit;
