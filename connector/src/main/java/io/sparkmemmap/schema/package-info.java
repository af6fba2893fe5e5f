/** How NumPy types become Spark types and back, and the field metadata that keeps a round trip exact. */
package io.sparkmemmap.schema;
