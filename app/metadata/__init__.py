"""Satu Data metadata: exports and bulk entry of MS-Keg, MS-Var and MS-Ind."""
