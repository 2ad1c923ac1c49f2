/* spec/c_unsigned.h: C's unsigned 64-bit wrap-around as ACSL axioms
 * (proofs/TRUSTED_BASE.md row F7).  WP's to_uint64 (the value of a
 * uint64_t expression) is specified only inside [0, 2^64); C11 6.2.5p9
 * makes unsigned arithmetic modulo 2^64.  Stated for one wrap in either
 * direction, which is all the long accumulator's carry and borrow need. */
/*@ axiomatic UnsignedWrap {
      axiom uint64_wrap_up: \forall integer x;
        18446744073709551616 <= x < 36893488147419103232 ==>
          (uint64_t)x == x - 18446744073709551616;
      axiom uint64_wrap_down: \forall integer x;
        -18446744073709551616 <= x < 0 ==> (uint64_t)x == x + 18446744073709551616;
    }
*/
