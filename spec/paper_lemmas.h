/* spec/paper_lemmas.h: the paper's inequalities (issue 15) as ACSL
 * statements over the definitions of spec/formulas.h, for the kernels'
 * contracts.  ACSL only; force-include it after spec/formulas.h.
 *
 * Every statement is proved in Coq under the same name (file named in the
 * comment above it), with no Admitted/Axiom; proofs/coq/Acsl.v restates each
 * one over a line-by-line Coq transcription of spec/formulas.h and proves it
 * from the main development (proofs/coq/README.md, "ACSL and Coq say the
 * same thing").  WP cannot prove these statements itself (they need
 * induction over n or properties of exp beyond exp(x+y) = exp(x)exp(y)),
 * so here they are axioms; each is a row of proofs/TRUSTED_BASE.md.
 * hellinger2_le_tv is also proved by WP for every int length through a
 * lemma function (proofs/lemmas/).  Do not add a statement here without
 * its Coq proof. */
#ifndef BHT_PAPER_LEMMAS_H
#define BHT_PAPER_LEMMAS_H

/*@
  axiomatic PaperLemmas {
    // proofs/coq/Distances.v: hellinger2_le_tv (paper §2.1)
    axiom hellinger2_le_tv{L}:
      \forall double *p, *q, integer n;
        is_dist(p, n) ==> is_dist(q, n) ==> hellinger2(p, q, n) <= tv(p, q, n);

    // proofs/coq/Distances.v: tv_le_sqrt2_hellinger (paper §2.1)
    axiom tv_le_sqrt2_hellinger{L}:
      \forall double *p, *q, integer n;
        is_dist(p, n) ==> is_dist(q, n) ==> tv(p, q, n) <= \sqrt(2) * hellinger(p, q, n);

    // proofs/coq/LemmaA1.v: lemma_a1_identity (the closed form printed in
    // Lemma A.1 is 1 - sech(eps/4))
    axiom lemma_a1_identity:
      \forall real eps;
        (1 - \exp(eps / 4)) * (1 - \exp(eps / 4)) / (1 + \exp(eps / 2)) == 1 - sech(eps / 4);

    // proofs/coq/LemmaA1.v: lemma_a1_expm1_forms, second part (tanh(eps/4)
    // as the form bht_lemma_a1 evaluates, tvmax_closed(y) of spec/distance.h
    // with y = e^{eps/4} - 1)
    axiom lemma_a1_tanh_form:
      \forall real eps;
        tanh(eps / 4) == (\exp(eps / 4) - 1) * ((\exp(eps / 4) - 1) + 2)
                         / ((\exp(eps / 4) - 1) * ((\exp(eps / 4) - 1) + 2) + 2);

    // proofs/coq/LemmaA1.v: lemma_a1_h2 (Lemma A.1 as a bound; no sign
    // condition on eps is needed for H^2)
    axiom lemma_a1_h2{L}:
      \forall double *a, *b, integer n, real eps;
        0 < n ==>
        (\forall integer i; 0 <= i < n ==> b[i] - a[i] == 0 || b[i] - a[i] == eps) ==>
        hellinger2_softmax(a, b, n) <= 1 - sech(eps / 4);

    // proofs/coq/LemmaA1.v: lemma_a1_tv (Lemma A.1 as a bound, eps >= 0)
    axiom lemma_a1_tv{L}:
      \forall double *a, *b, integer n, real eps;
        0 < n ==> 0 <= eps ==>
        (\forall integer i; 0 <= i < n ==> b[i] - a[i] == 0 || b[i] - a[i] == eps) ==>
        tv_softmax(a, b, n) <= tanh(eps / 4);

    // proofs/coq/Lemma33.v: lemma_3_3_h2 (Lemma 3.3, explicit constant)
    axiom lemma_3_3_h2{L}:
      \forall double *a, *b, integer n, real eps;
        0 < n ==>
        (\forall integer i; 0 <= i < n ==> \abs(a[i] - b[i]) <= eps) ==>
        hellinger2_softmax(a, b, n) <= 1 - sech(eps / 2);

    // proofs/coq/Lemma33.v: lemma_3_3_tv (Lemma 3.3, explicit constant)
    axiom lemma_3_3_tv{L}:
      \forall double *a, *b, integer n, real eps;
        0 < n ==>
        (\forall integer i; 0 <= i < n ==> \abs(a[i] - b[i]) <= eps) ==>
        tv_softmax(a, b, n) <= tanh(eps / 2);

    // proofs/coq/Hyperbolic.v: sech_bound (so 1 - sech(eps/2) <= eps^2/8)
    axiom sech_bound:
      \forall real x; 1 - sech(x) <= x * x / 2;

    // proofs/coq/Hyperbolic.v: tanh_bound (so tanh(eps/2) <= eps/2)
    axiom tanh_bound:
      \forall real x; 0 <= x ==> tanh(x) <= x;
  }
*/

#endif
