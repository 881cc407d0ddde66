/** AlphaEdit: MEMIT whose update lies in the null space of the preserved keys, for sequential editing. */
package dev.amend.editors.alphaedit;
