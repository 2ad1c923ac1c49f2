// cxx_header.cpp: bht.h and bht_tools.h compile as C++ (-pedantic -Werror)
// and link (extern "C"): softmax of three logits against the oracle, and
// the golden generator's function table.
#include <cstdio>

#include "bht.h"
#include "bht_tools.h"

int main()
{
    const double z[3] = {1.0, 2.0, 3.0};
    double p[3], q[3];
    if (bht_softmax_logits(3, z, p) != BHT_OK)
        return 1;
    if (bht_oracle_softmax_logits(3, z, q, nullptr, nullptr) != BHT_OK)
        return 1;
    for (int i = 0; i < 3; i++)
        if (bht_ulp_error(p[i], q[i]) > 1.0)
            return 1;
    bht_golden_fn_info info;
    if (bht_golden_fn_count() == 0 || bht_golden_fn_get(0, &info) != BHT_OK)
        return 1;
    std::printf("c++: softmax within 1 ulp of the oracle; golden fn 0 = %s\n", info.name);
    return 0;
}
