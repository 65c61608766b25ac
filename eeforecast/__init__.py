"""eeforecast: Canada's Express Entry pool as a CRS score distribution."""

__version__ = "0.1.0"
