"""The catalog: one module per family; this tuple is the single source of truth."""

from __future__ import annotations

from .bernoulli import Bernoulli
from .beta import Beta
from .binomial import Binomial
from .categorical import Categorical
from .dirichlet import Dirichlet
from .exponential import Exponential
from .gamma import Gamma
from .geometric import Geometric
from .gumbel import Gumbel
from .halfnormal import HalfNormal
from .joint_categorical import JointCategorical
from .laplace import Laplace
from .lognormal import LogNormal
from .mvn import MultivariateNormal
from .normal import Normal
from .pareto import Pareto
from .poisson import Poisson
from .uniform import Uniform
from .weibull import Weibull

#: Every family the package ships, in catalog order.
CATALOG = (
    Bernoulli, Categorical, Normal,
    Exponential, Gamma, Beta, Laplace, LogNormal, Uniform, HalfNormal, Gumbel, Pareto, Weibull,
    Poisson, Geometric, Binomial,
    Dirichlet, MultivariateNormal, JointCategorical,
)

__all__ = ["CATALOG", *(f.__name__ for f in CATALOG)]
